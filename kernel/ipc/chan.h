/*
 * Channels and zero-copy messages (chan.c): a channel is a pair of files;
 * a message is a buffer in the exchange region whose pages move from the
 * sender's page table to the receiver's, at the same address.
 */
#pragma once

#include "lib/types.h"

struct file;
struct domain;

#define MSG_MAX (1UL << 30) /* one message: at most 1 GiB */

/* A new channel: two files, each receiving what the other sends; -ENOMEM. */
int chan_create(struct file *f[2]);
bool file_is_chan(const struct file *f);
/* A message buffer of len bytes (rounded up to pages) in d: its address, or -errno. */
long msg_buffer_alloc(struct domain *d, u64 len);
/* Unmap and free the buffer at va in d: 0 or -EINVAL. */
int msg_buffer_free(struct domain *d, vaddr_t va);
/* Move the buffer at va (len bytes used) out of d to f's peer: 0, -EINVAL, -EPIPE, -ENOMEM. */
int chan_send(struct file *f, struct domain *d, vaddr_t va, u64 len);
/*
 * The next message for f, mapped into d at its address (*va): its length;
 * 0 once the peer is closed and nothing is left; -ERESTART_PARK to wait.
 */
long chan_recv(struct file *f, struct domain *d, vaddr_t *va);
