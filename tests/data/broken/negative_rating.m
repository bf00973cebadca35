function mpc = broken
% a negative rate A (expected error at line 15)
mpc.version = '2';
mpc.baseMVA = 100;
mpc.bus = [
	1	3	0	0	0	0	1	1	0	110	1	1.1	0.9;
	2	1	50	10	0	0	1	1	0	110	1	1.1	0.9;
	3	1	30	10	0	0	1	1	0	110	1	1.1	0.9;
];
mpc.gen = [
	1	80	0	100	-100	1.02	100	1	200	0;
];
mpc.branch = [
	1	2	0.01	0.1	0.02	100	100	100	0	0	1;
	2	3	0.01	0.1	0.02	-5	100	100	0	0	1;
];
