/*
 * Host tests of system-call files: the generated Linux numbers from the
 * build (make build/gen/sysnum.h; tests/host/sources.mk makes it first).
 */
#pragma once
#include "../../build/gen/sysnum.h"
