/*
 * Random bytes for the kernel and for /dev/random, /dev/urandom (and
 * getrandom, AT_RANDOM): xoshiro256** (lib/random.h) seeded from RDRAND
 * when the CPU has it, else from the TSC, with RDRAND mixed into every
 * word when present. Good for ASLR-grade randomness and tests; it is not
 * a vetted cryptographic generator. Shared by all cores under its lock.
 */
#pragma once

#include "lib/types.h"

void krandom_bytes(void *buf, size_t n);
u64 krandom_u64(void);
