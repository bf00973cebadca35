function mpc = nan_in_gen
% Broken on purpose: Pg of the second generator (line 14) is NaN.
mpc.version = '2';
mpc.baseMVA = 100;

mpc.bus = [
	1	3	0	0	0	0	1	1	0	345	1	1.1	0.9;
	2	2	0	0	0	0	1	1	0	345	1	1.1	0.9;
	3	1	90	30	0	0	1	1	0	345	1	1.1	0.9;
];

mpc.gen = [
	1	72.3	27.03	300	-300	1.04	100	1	250	10;
	2	NaN	6.54	300	-300	1.025	100	1	300	10;
];

mpc.branch = [
	1	3	0.01	0.085	0.176	250	250	250	0	0	1;
	2	3	0.01	0.085	0.176	250	250	250	0	0	1;
];
