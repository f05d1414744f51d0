/*
 * Journal recovery, the part that needs no disk: checking a journal
 * superblock, and reading a log (handed over block by block by the
 * caller) into the list of copies a replay writes. Pure, no locks, no
 * I/O: tests/host/test_jbd2.c feeds it crafted and corrupt journals; the
 * kernel's side (ext2_journal.c) reads the blocks and writes the copies.
 *
 * The log is walked three times, as the format asks (the JBD2 layout is
 * in jbd2_format.h):
 *  1. scan: from s_start with sequence s_sequence, block after block while
 *     each has the magic and the expected sequence; a commit block ends a
 *     transaction and the next sequence is expected. Where the walk stops
 *     is the end: a transaction with no commit block (a power cut while it
 *     was being written) is not replayed.
 *  2. revoke: the revoke records of the complete transactions, each block
 *     number with the newest sequence that revoked it.
 *  3. replay: each tagged copy of a complete transaction, unless its block
 *     was revoked by that transaction or a later one; of several copies of
 *     one block, the last (the newest transaction's) wins.
 * Disk contents are input (invariant 6): a descriptor that names a block
 * outside the file system, or a revoke block whose count does not fit,
 * makes the journal corrupt (-EUCLEAN), never an out-of-bounds access.
 */
#include "fs/jbd2_replay.h"
#include "lib/errno.h"
#include "mm/kheap.h"

#define fail(err, msg)                                                                             \
	do {                                                                                       \
		*why = (msg);                                                                      \
		return (err);                                                                      \
	} while (0)

int jbd2_check_super(const u8 *b, u32 fs_bsize, u64 inode_blocks, struct jbd2_super *js,
		     const char **why)
{
	if (get_be32(b) != JBD2_MAGIC)
		fail(-EUCLEAN, "no journal magic in the journal superblock");
	u32 type = get_be32(b + 4);
	if (type != JBD2_SUPERBLOCK_V1 && type != JBD2_SUPERBLOCK_V2)
		fail(-EUCLEAN, "the journal's first block is not a journal superblock");
	*js = (struct jbd2_super){
	    .bsize = get_be32(b + JSB_BLOCKSIZE),
	    .maxlen = get_be32(b + JSB_MAXLEN),
	    .first = get_be32(b + JSB_FIRST),
	    .sequence = get_be32(b + JSB_SEQUENCE),
	    .start = get_be32(b + JSB_START),
	    .version = type == JBD2_SUPERBLOCK_V2 ? 2 : 1,
	};
	if (js->version == 2) {
		js->compat = get_be32(b + JSB_FEATURE_COMPAT);
		js->incompat = get_be32(b + JSB_FEATURE_INCOMPAT);
		js->ro_compat = get_be32(b + JSB_FEATURE_RO_COMPAT);
		memcpy(js->uuid, b + JSB_UUID, JBD2_UUID_SIZE);
	}
	if (js->bsize != fs_bsize)
		fail(-EUCLEAN, "the journal's block size is not the file system's");
	if (js->maxlen < 32 || js->maxlen > inode_blocks)
		fail(-EUCLEAN, "the journal's length does not match its inode");
	if (js->first == 0 || js->first >= js->maxlen || js->maxlen - js->first < 16)
		fail(-EUCLEAN, "the journal's first log block is out of range");
	if (js->start && (js->start < js->first || js->start >= js->maxlen))
		fail(-EUCLEAN, "the journal's log start is out of range");
	if (js->incompat & ~JBD2_KNOWN_INCOMPAT)
		fail(-EOPNOTSUPP, "journal features Ferry does not implement (checksums v2/v3, "
				  "async commit, fast commit)");
	if (js->compat & ~JBD2_KNOWN_COMPAT)
		fail(-EOPNOTSUPP, "journal commit checksums (journal_checksum), which Ferry does "
				  "not implement");
	if (js->ro_compat & ~JBD2_KNOWN_RO_COMPAT)
		fail(-EOPNOTSUPP, "read-only journal features Ferry does not implement");
	if (get_be32(b + JSB_ERRNO))
		fail(-EUCLEAN, "the journal recorded an error (it was aborted): run e2fsck");
	return 0;
}

/* ---- walking the log ---- */

struct walk {
	const struct jbd2_super *js;
	jbd2_read_fn rd;
	void *ctx;
	u64 fs_blocks;
	u32 *missing;
	const char **why;
	u32 tag_bytes, rec_bytes;
};

static u32 wrap(const struct jbd2_super *js, u64 pos)
{
	u64 len = js->maxlen - js->first;
	return (u32)(js->first + (pos - js->first) % len);
}

/*
 * The tags of descriptor block b: calls fn(arg, i, target, flags) for
 * each (fn may be NULL) and returns how many, or -EUCLEAN.
 */
static int each_tag(struct walk *w, const u8 *b,
		    int (*fn)(void *arg, u32 i, u64 target, u32 flags), void *arg)
{
	u32 bsize = w->js->bsize, off = JBD2_HEADER_SIZE, n = 0;
	while (off + w->tag_bytes <= bsize) {
		const u8 *t = b + off;
		/* t_blocknr, t_checksum (16 bits), t_flags, and t_blocknr_high with 64-bit tags */
		u64 target = get_be32(t);
		u32 flags = get_be16(t + 6);
		if (w->tag_bytes == 12)
			target |= (u64)get_be32(t + 8) << 32;
		if (target >= w->fs_blocks) {
			*w->why = "a journal descriptor names a block past the end of the file system";
			return -EUCLEAN;
		}
		off += w->tag_bytes;
		if (!(flags & JBD2_FLAG_SAME_UUID))
			off += JBD2_UUID_SIZE;
		if (fn) {
			int r = fn(arg, n, target, flags);
			if (r < 0)
				return r;
		}
		n++;
		if (flags & JBD2_FLAG_LAST_TAG)
			break;
	}
	if (n == 0) {
		*w->why = "a journal descriptor block with no tags";
		return -EUCLEAN;
	}
	if (n >= w->js->maxlen - w->js->first) {
		*w->why = "a journal descriptor with more blocks than the log holds";
		return -EUCLEAN;
	}
	return (int)n;
}

/* Records in revoke block b: how many, or -EUCLEAN. */
static int revoke_count(struct walk *w, const u8 *b)
{
	u32 count = get_be32(b + JRB_COUNT);
	if (count < JBD2_REVOKE_HEADER || count > w->js->bsize ||
	    (count - JBD2_REVOKE_HEADER) % w->rec_bytes) {
		*w->why = "a journal revoke block with a bad record count";
		return -EUCLEAN;
	}
	return (int)((count - JBD2_REVOKE_HEADER) / w->rec_bytes);
}

static u64 revoke_record(struct walk *w, const u8 *b, u32 i)
{
	const u8 *p = b + JBD2_REVOKE_HEADER + i * w->rec_bytes;
	return w->rec_bytes == 8 ? get_be64(p) : get_be32(p);
}

/*
 * One walk over the log, from s_start until the first block that does
 * not belong (pass 1) or until transaction `end` (passes 2 and 3),
 * calling the visitors on descriptor tags and revoke blocks. Returns the
 * sequence it stopped at, or -EAGAIN (*missing) / -EUCLEAN.
 */
struct visit {
	int (*tag)(void *arg, u32 seq, u32 logblk, u64 target, u32 flags);
	int (*revoke)(void *arg, u32 seq, const u8 *b, u32 n);
	void *arg;
	u32 end;      /* stop before this sequence (passes 2 and 3) */
	bool to_end;  /* pass 1: walk until the log ends */
	u32 *ntxn;    /* pass 1: complete transactions */
	u32 *nblocks; /* pass 1: log blocks they span */
};

struct tag_walk {
	struct visit *v;
	u32 seq, desc;
	struct walk *w;
};

static int tag_fwd(void *arg, u32 i, u64 target, u32 flags)
{
	struct tag_walk *tw = arg;
	u32 logblk = wrap(tw->w->js, (u64)tw->desc + 1 + i);
	return tw->v->tag(tw->v->arg, tw->seq, logblk, target, flags);
}

static i64 walk_log(struct walk *w, struct visit *v)
{
	const struct jbd2_super *js = w->js;
	u32 pos = js->start, seq = js->sequence, walked = 0, in_txn = 0;
	u32 loglen = js->maxlen - js->first;
	while (walked < loglen) {
		if (!v->to_end && seq == v->end)
			break;
		const u8 *b = w->rd(w->ctx, pos);
		if (!b) {
			*w->missing = pos;
			return -EAGAIN;
		}
		if (get_be32(b) != JBD2_MAGIC || get_be32(b + 8) != seq)
			break;
		u32 type = get_be32(b + 4), step = 1;
		if (type == JBD2_DESCRIPTOR_BLOCK) {
			struct tag_walk tw = {v, seq, pos, w};
			int n = each_tag(w, b, v->tag ? tag_fwd : NULL, &tw);
			if (n < 0)
				return n;
			step += (u32)n;
		} else if (type == JBD2_REVOKE_BLOCK) {
			if (!(js->incompat & JBD2_FEATURE_INCOMPAT_REVOKE) && js->version == 2) {
				*w->why = "a journal revoke block in a journal without the revoke "
					  "feature";
				return -EUCLEAN;
			}
			int n = revoke_count(w, b);
			if (n < 0)
				return n;
			if (v->revoke) {
				int r = v->revoke(v->arg, seq, b, (u32)n);
				if (r < 0)
					return r;
			}
		} else if (type == JBD2_COMMIT_BLOCK) {
			seq++;
			if (v->ntxn)
				++*v->ntxn;
			if (v->nblocks)
				*v->nblocks += in_txn + 1;
			in_txn = 0;
			step = 0;
			walked++;
			pos = wrap(js, (u64)pos + 1);
			continue;
		} else {
			break; /* a superblock or an unknown type: the log ends here */
		}
		walked += step;
		in_txn += step;
		pos = wrap(js, (u64)pos + step);
	}
	return seq;
}

/* ---- pass 2: revoked blocks ---- */

struct revoked {
	u64 block;
	u32 seq;
};

struct revoke_set {
	struct revoked *v;
	u32 n, cap;
	struct walk *w;
};

static int add_revokes(void *arg, u32 seq, const u8 *b, u32 n)
{
	struct revoke_set *rs = arg;
	for (u32 i = 0; i < n; i++) {
		if (rs->n == rs->cap) {
			u32 cap = rs->cap ? rs->cap * 2 : 64;
			struct revoked *v = kmalloc(cap * sizeof *v);
			if (!v)
				return -ENOMEM;
			if (rs->n)
				memcpy(v, rs->v, rs->n * sizeof *v);
			kfree(rs->v);
			rs->v = v;
			rs->cap = cap;
		}
		rs->v[rs->n++] = (struct revoked){revoke_record(rs->w, b, i), seq};
	}
	return 0;
}

/* ---- sorting (heapsort: no recursion, no allocation) ---- */

typedef bool (*less_fn)(const void *a, const void *b);

static void swap_bytes(u8 *a, u8 *b, size_t size)
{
	for (size_t i = 0; i < size; i++) {
		u8 t = a[i];
		a[i] = b[i];
		b[i] = t;
	}
}

static void sift_down(u8 *base, size_t size, size_t root, size_t n, less_fn less)
{
	for (;;) {
		size_t child = 2 * root + 1;
		if (child >= n)
			return;
		if (child + 1 < n && less(base + child * size, base + (child + 1) * size))
			child++;
		if (!less(base + root * size, base + child * size))
			return;
		swap_bytes(base + root * size, base + child * size, size);
		root = child;
	}
}

static void heap_sort(void *v, size_t n, size_t size, less_fn less)
{
	u8 *base = v;
	for (size_t i = n / 2; i-- > 0;)
		sift_down(base, size, i, n, less);
	for (size_t end = n; end-- > 1;) {
		swap_bytes(base, base + end * size, size);
		sift_down(base, size, 0, end, less);
	}
}

static bool revoked_less(const void *a, const void *b)
{
	const struct revoked *x = a, *y = b;
	return x->block < y->block || (x->block == y->block && x->seq < y->seq);
}

/* The newest sequence that revoked block, or -1: rs sorted by block, newest last. */
static i64 revoked_seq(const struct revoke_set *rs, u64 block)
{
	u32 lo = 0, hi = rs->n;
	while (lo < hi) {
		u32 mid = lo + (hi - lo) / 2;
		if (rs->v[mid].block <= block)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo && rs->v[lo - 1].block == block ? (i64)rs->v[lo - 1].seq : -1;
}

/* ---- pass 3: the copies ---- */

struct copy_set {
	struct jbd2_copy *v;
	u32 n, cap;
	u32 skipped;
	const struct revoke_set *rs;
};

static int add_copy(void *arg, u32 seq, u32 logblk, u64 target, u32 flags)
{
	struct copy_set *cs = arg;
	i64 r = revoked_seq(cs->rs, target);
	/* Sequence numbers wrap: compare by difference, as the format's users do. */
	if (r >= 0 && (i32)((u32)r - seq) >= 0) {
		cs->skipped++;
		return 0;
	}
	if (cs->n == cs->cap) {
		u32 cap = cs->cap ? cs->cap * 2 : 64;
		struct jbd2_copy *v = kmalloc(cap * sizeof *v);
		if (!v)
			return -ENOMEM;
		if (cs->n)
			memcpy(v, cs->v, cs->n * sizeof *v);
		kfree(cs->v);
		cs->v = v;
		cs->cap = cap;
	}
	cs->v[cs->n] = (struct jbd2_copy){.target = target,
					 .logblk = logblk,
					 .order = cs->n,
					 .escaped = (flags & JBD2_FLAG_ESCAPE) != 0};
	cs->n++;
	return 0;
}

static bool copy_less(const void *a, const void *b)
{
	const struct jbd2_copy *x = a, *y = b;
	return x->target < y->target || (x->target == y->target && x->order < y->order);
}

int jbd2_recover_scan(const struct jbd2_super *js, jbd2_read_fn rd, void *ctx, u64 fs_blocks,
		      struct jbd2_recovery *rec, u32 *missing, const char **why)
{
	*rec = (struct jbd2_recovery){0};
	*why = "";
	if (!js->start) {
		rec->end_seq = js->sequence;
		return 0; /* empty: nothing to replay */
	}
	struct walk w = {js,
			 rd,
			 ctx,
			 fs_blocks,
			 missing,
			 why,
			 jbd2_tag_bytes(js->incompat),
			 jbd2_revoke_bytes(js->incompat)};
	struct visit scan = {.to_end = true, .ntxn = &rec->ntxn, .nblocks = &rec->log_blocks};
	i64 end = walk_log(&w, &scan);
	if (end < 0)
		return (int)end;
	rec->end_seq = (u32)end;
	if (!rec->ntxn)
		return 0;

	struct revoke_set rs = {.w = &w};
	struct visit rv = {.revoke = add_revokes, .arg = &rs, .end = (u32)end};
	i64 r = walk_log(&w, &rv);
	if (r >= 0) {
		heap_sort(rs.v, rs.n, sizeof *rs.v, revoked_less);
		struct copy_set cs = {.rs = &rs};
		struct visit cp = {.tag = add_copy, .arg = &cs, .end = (u32)end};
		r = walk_log(&w, &cp);
		if (r >= 0) {
			/* The last copy of each block wins: sort by block, then log order. */
			heap_sort(cs.v, cs.n, sizeof *cs.v, copy_less);
			u32 k = 0;
			for (u32 i = 0; i < cs.n; i++) {
				if (i + 1 < cs.n && cs.v[i + 1].target == cs.v[i].target)
					continue;
				cs.v[k++] = cs.v[i];
			}
			rec->copies = cs.v;
			rec->ncopies = k;
			rec->nrevoked = cs.skipped;
		} else {
			kfree(cs.v);
		}
	}
	kfree(rs.v);
	if (r == -ENOMEM)
		*why = "out of memory";
	return r < 0 ? (int)r : 0;
}

void jbd2_recovery_free(struct jbd2_recovery *rec)
{
	kfree(rec->copies);
	rec->copies = NULL;
	rec->ncopies = 0;
}
