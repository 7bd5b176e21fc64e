/* `sluice policy simulate ...` (see simulate.c). */
#ifndef SLUICE_IAM_SIMULATE_H
#define SLUICE_IAM_SIMULATE_H

/* Its usage text (`--help`, usage errors). */
extern const char SIMULATE_USAGE[];

/* argv: the options after "policy simulate". Returns the exit status. */
int simulate_main(int argc, char **argv);

#endif
