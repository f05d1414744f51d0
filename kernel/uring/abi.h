/*
 * io_uring's ABI for the kernel: Linux's layouts and numbers, shared with
 * user space in uapi/io_uring.h.
 */
#pragma once

#include "uapi/io_uring.h"
