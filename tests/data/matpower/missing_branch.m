function mpc = missing_branch
% Broken on purpose: no mpc.branch matrix (only a misspelt one, which is an unknown field).
% The reader reports it at line 1.
mpc.version = '2';
mpc.baseMVA = 100;
mpc.bus = [
	1	3	0	0	0	0	1	1	0	345	1	1.1	0.9;
	2	1	90	30	0	0	1	1	0	345	1	1.1	0.9;
];
mpc.gen = [
	1	90	30	300	-300	1.04	100	1	250	10;
];
mpc.branches = [
	1	2	0.01	0.085	0.176	250	250	250	0	0	1;
];
