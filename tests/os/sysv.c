/*
 * sysv: System V message queues (msgget, msgsnd, msgrcv with type
 * selection, MSG_NOERROR, MSG_EXCEPT, IPC_NOWAIT, msgctl IPC_STAT /
 * IPC_SET / IPC_RMID) and semaphore sets (semget, semop, semtimedop,
 * SEM_UNDO undone at exit, semctl GETVAL / SETVAL / GETALL / SETALL /
 * GETPID / GETNCNT / GETZCNT), waits across processes, removal waking
 * waiters with EIDRM, and bad input.
 */
#include <stdint.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/syscall.h>
#include <time.h>

#include "t.h"

#ifndef MSG_EXCEPT
#define MSG_EXCEPT 020000
#endif

struct m {
	long type;
	char text[64];
};

static void ms_sleep(int ms)
{
	struct timespec d = {ms / 1000, (ms % 1000) * 1000000L};
	nanosleep(&d, NULL);
}

static int snd(int q, long type, const char *s, int flags)
{
	struct m msg = {.type = type};
	strcpy(msg.text, s);
	return msgsnd(q, &msg, strlen(s) + 1, flags);
}

static void check_msg(void)
{
	int q = msgget(IPC_PRIVATE, IPC_CREAT | 0600);
	CHECK(q >= 0, "msgget(IPC_PRIVATE)");
	CHECK(snd(q, 1, "one", 0) == 0 && snd(q, 2, "two", 0) == 0 && snd(q, 3, "three", 0) == 0, "three messages sent");
	struct m r;
	CHECK(msgrcv(q, &r, sizeof r.text, 2, 0) == 4 && r.type == 2 && strcmp(r.text, "two") == 0, "msgrcv of type 2");
	CHECK(msgrcv(q, &r, sizeof r.text, -3, 0) == 4 && r.type == 1, "type -3: the lowest type up to 3 (1)");
	snd(q, 5, "five", 0);
	CHECK(msgrcv(q, &r, sizeof r.text, 3, MSG_EXCEPT) == 5 && r.type == 5, "MSG_EXCEPT 3: the first of another type");
	CHECK_ERR(msgrcv(q, &r, 2, 0, 0), E2BIG, "a buffer too small: E2BIG (the message stays)");
	CHECK(msgrcv(q, &r, 2, 0, MSG_NOERROR) == 2 && memcmp(r.text, "th", 2) == 0, "MSG_NOERROR cuts it");
	CHECK_ERR(msgrcv(q, &r, sizeof r.text, 0, IPC_NOWAIT), ENOMSG, "an empty queue with IPC_NOWAIT: ENOMSG");
	snd(q, 7, "abc", 0);
	struct msqid_ds ds;
	CHECK(msgctl(q, IPC_STAT, &ds) == 0 && ds.msg_qnum == 1 && ds.msg_cbytes == 4 && ds.msg_lspid == getpid(),
	      "IPC_STAT: 1 message, 4 bytes, last sender this pid");
	ds.msg_qbytes = 8;
	CHECK(msgctl(q, IPC_SET, &ds) == 0 && msgctl(q, IPC_STAT, &ds) == 0 && ds.msg_qbytes == 8, "IPC_SET msg_qbytes 8");
	CHECK_ERR(snd(q, 1, "toolong", IPC_NOWAIT), EAGAIN, "a full queue with IPC_NOWAIT: EAGAIN");
	msgrcv(q, &r, sizeof r.text, 0, 0);

	/* A receiver waits for a sender in another process. */
	pid_t c = fork();
	if (c == 0) {
		struct m got;
		_exit(msgrcv(q, &got, sizeof got.text, 9, 0) == 3 && strcmp(got.text, "hi") == 0 ? 0 : 1);
	}
	ms_sleep(50);
	snd(q, 9, "hi", 0);
	CHECK_EXITED(t_wait(c), 0, "a receiver waiting in another process gets the message");
	/* A waiter sees the queue removed. */
	c = fork();
	if (c == 0) {
		struct m got;
		_exit(msgrcv(q, &got, sizeof got.text, 0, 0) == -1 && errno == EIDRM ? 0 : 1);
	}
	ms_sleep(50);
	CHECK(msgctl(q, IPC_RMID, NULL) == 0, "IPC_RMID");
	CHECK_EXITED(t_wait(c), 0, "  a waiting receiver gets EIDRM");
	CHECK_ERR(msgsnd(q, &r, 1, 0), EINVAL, "the removed queue's id: EINVAL");

	key_t key = 0x5e5e0000 + getpid();
	int k = msgget(key, IPC_CREAT | IPC_EXCL | 0600);
	CHECK(k >= 0 && msgget(key, 0) == k, "msgget by key finds the same queue");
	CHECK_ERR(msgget(key, IPC_CREAT | IPC_EXCL | 0600), EEXIST, "IPC_CREAT|IPC_EXCL of an existing key: EEXIST");
	msgctl(k, IPC_RMID, NULL);
	CHECK_ERR(msgget(key, 0), ENOENT, "a missing key without IPC_CREAT: ENOENT");
	q = msgget(IPC_PRIVATE, 0600);
	struct m zero = {.type = 0};
	CHECK_ERR(msgsnd(q, &zero, 1, 0), EINVAL, "mtype 0: EINVAL");
	CHECK_ERR(msgsnd(q, &r, 100000, 0), EINVAL, "a message past MSGMAX: EINVAL");
	CHECK_ERR(msgsnd(q, (void *)8, 1, 0), EFAULT, "a bad message pointer: EFAULT");
	CHECK_ERR(msgsnd(-1, &r, 1, 0), EINVAL, "queue -1: EINVAL");
	CHECK_ERR(msgsnd(0x7fffff00, &r, 1, 0), EINVAL, "a huge id: EINVAL");
	CHECK_ERR(msgctl(q, 99, &ds), EINVAL, "an unknown msgctl command: EINVAL");
	CHECK_ERR(msgctl(q, IPC_STAT, (void *)8), EFAULT, "IPC_STAT into a bad pointer: EFAULT");
	msgctl(q, IPC_RMID, NULL);
}

union semun {
	int val;
	struct semid_ds *buf;
	unsigned short *array;
};

static int sop(int s, unsigned short num, short op, short flg)
{
	struct sembuf b = {num, op, flg};
	return semop(s, &b, 1);
}

static void check_sem(void)
{
	int s = semget(IPC_PRIVATE, 3, IPC_CREAT | 0600);
	CHECK(s >= 0, "semget of 3 semaphores");
	unsigned short set[3] = {1, 0, 5}, get[3] = {0};
	CHECK(semctl(s, 0, SETALL, (union semun){.array = set}) == 0 && semctl(s, 0, GETALL, (union semun){.array = get}) == 0 &&
		  get[0] == 1 && get[1] == 0 && get[2] == 5,
	      "SETALL and GETALL");
	CHECK(semctl(s, 2, GETVAL) == 5, "GETVAL");
	CHECK(sop(s, 0, -1, 0) == 0 && semctl(s, 0, GETVAL) == 0 && semctl(s, 0, GETPID) == getpid(),
	      "semop -1: the value drops, GETPID says us");
	CHECK_ERR(sop(s, 0, -1, IPC_NOWAIT), EAGAIN, "a decrement that would block, IPC_NOWAIT: EAGAIN");
	struct timespec t = {0, 30000000};
	struct sembuf b = {0, -1, 0};
	CHECK_ERR(semtimedop(s, &b, 1, &t), EAGAIN, "semtimedop times out with EAGAIN");
	/* All or nothing: the first operation is not kept when the second blocks. */
	struct sembuf two[2] = {{2, -1, 0}, {1, -1, IPC_NOWAIT}};
	CHECK_ERR(semop(s, two, 2), EAGAIN, "two operations, the second blocking");
	CHECK(semctl(s, 2, GETVAL) == 5, "  the first did not happen");

	/* A waiter in another process, counted by GETNCNT, woken by an increment. */
	pid_t c = fork();
	if (c == 0)
		_exit(sop(s, 0, -1, 0) == 0 ? 0 : 1);
	ms_sleep(50);
	CHECK(semctl(s, 0, GETNCNT) == 1, "GETNCNT: one process waits to decrement");
	CHECK(sop(s, 0, 1, 0) == 0, "an increment");
	CHECK_EXITED(t_wait(c), 0, "  lets the waiter through");
	c = fork();
	if (c == 0)
		_exit(sop(s, 2, 0, 0) == 0 ? 0 : 1);
	ms_sleep(50);
	CHECK(semctl(s, 2, GETZCNT) == 1, "GETZCNT: one waits for zero");
	CHECK(semctl(s, 2, SETVAL, (union semun){.val = 0}) == 0, "SETVAL 0");
	CHECK_EXITED(t_wait(c), 0, "  lets it through");

	/* SEM_UNDO: a process's changes are undone when it exits. */
	semctl(s, 1, SETVAL, (union semun){.val = 3});
	c = fork();
	if (c == 0) {
		sop(s, 1, -2, SEM_UNDO);
		_exit(semctl(s, 1, GETVAL) == 1 ? 0 : 1);
	}
	CHECK_EXITED(t_wait(c), 0, "a child takes 2 with SEM_UNDO");
	CHECK(semctl(s, 1, GETVAL) == 3, "  and they are back after it exits (%d)", semctl(s, 1, GETVAL));

	c = fork();
	if (c == 0)
		_exit(sop(s, 0, -5, 0) == -1 && errno == EIDRM ? 0 : 1);
	ms_sleep(50);
	CHECK(semctl(s, 0, IPC_RMID) == 0, "IPC_RMID of the set");
	CHECK_EXITED(t_wait(c), 0, "  a waiter gets EIDRM");

	s = semget(IPC_PRIVATE, 1, 0600);
	CHECK_ERR(semctl(s, 0, SETVAL, (union semun){.val = 40000}), ERANGE, "SETVAL past SEMVMX: ERANGE");
	CHECK_ERR(sop(s, 5, 1, 0), EFBIG, "sem_num past the set: EFBIG");
	static struct sembuf many[600];
	CHECK_ERR(semop(s, many, 600), E2BIG, "600 operations: E2BIG");
	CHECK_ERR(semop(s, many, 0), EINVAL, "no operations: EINVAL");
	CHECK_ERR(semop(s, (void *)8, 1), EFAULT, "a bad sembuf pointer: EFAULT");
	CHECK_ERR(semget(IPC_PRIVATE, 40000, 0600), EINVAL, "40000 semaphores: EINVAL");
	CHECK_ERR(semctl(s, 3, GETVAL), EINVAL, "GETVAL of semaphore 3 of 1: EINVAL");
	CHECK_ERR(semctl(-1, 0, GETVAL), EINVAL, "set -1: EINVAL");
	key_t key = 0x5e5f0000 + getpid();
	int k = semget(key, 2, IPC_CREAT | 0600);
	CHECK_ERR(semget(key, 4, 0), EINVAL, "an existing set asked for more semaphores than it has: EINVAL");
	CHECK(semget(key, 0, 0) == k, "  and with 0 it is found");
	semctl(k, 0, IPC_RMID);
	semctl(s, 0, IPC_RMID);
}

int main(void)
{
	check_msg();
	check_sem();
	return t_done();
}
