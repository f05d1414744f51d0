/*
 * Job control as a terminal sees it (jobctl.c): the rules for the calling
 * process touching a terminal, given the terminal's foreground group and
 * session, without the process model. dev/tty.c includes this.
 */
#pragma once

#include "lib/types.h"

/*
 * A read from a terminal whose foreground group is fg, of session sid: 0
 * if the caller may read; if it is in the session but not in the
 * foreground group, SIGTTIN goes to its group (stopping it) and the read
 * runs again when it continues (-ERESTART_SIGNAL); one that ignores or
 * blocks SIGTTIN gets -EIO (as on Linux).
 */
long jobctl_tty_read(u32 fg, u32 sid);
