/*
 * Per-core executor state (placeholder until the executor lands): embedded
 * in struct cpu, owned by its core (invariant 4).
 */
#pragma once

#include "lib/types.h"

struct executor {
	u64 polls; /* [o] */
};
