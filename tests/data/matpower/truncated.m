function mpc = truncated
% Broken on purpose (tests/unit/io/test_matpower_reader.cpp): the file stops inside mpc.branch,
% as a half-copied file would. The reader must point at line 24, where the matrix starts.
mpc.version = '2';
mpc.baseMVA = 100;

%% bus data
mpc.bus = [
	1	3	0	0	0	0	1	1	0	345	1	1.1	0.9;
	2	2	0	0	0	0	1	1	0	345	1	1.1	0.9;
	3	2	0	0	0	0	1	1	0	345	1	1.1	0.9;
	4	1	0	0	0	0	1	1	0	345	1	1.1	0.9;
	5	1	90	30	0	0	1	1	0	345	1	1.1	0.9;
];

%% generator data
mpc.gen = [
	1	72.3	27.03	300	-300	1.04	100	1	250	10;
	2	163	6.54	300	-300	1.025	100	1	300	10;
	3	85	-10.95	300	-300	1.025	100	1	270	10;
];

%% branch data
mpc.branch = [
	1	4	0	0.0576	0	250	250	250	0	0	1;
	4	5	0.017	0.092	0.158	250	250	250	0	0	1;
	5	2	0.039	0.17	0.358	150	150	150	0	0	1;
	3	5	0	0.0586	0	300	300	300	0	0	1;
	2	3	0.0119	0.1008	0.209	150
