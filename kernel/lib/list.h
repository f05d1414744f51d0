/* Intrusive doubly linked lists (the owner's lock guards the links). */
#pragma once

#include "lib/types.h"

struct list_node {
	struct list_node *next, *prev;
};

#define LIST_INIT(name) {&(name), &(name)}

static inline void list_init(struct list_node *head)
{
	head->next = head->prev = head;
}

static inline bool list_empty(const struct list_node *head)
{
	return head->next == head;
}

static inline void list_insert_after(struct list_node *pos, struct list_node *n)
{
	n->next = pos->next;
	n->prev = pos;
	pos->next->prev = n;
	pos->next = n;
}

static inline void list_push_back(struct list_node *head, struct list_node *n)
{
	list_insert_after(head->prev, n);
}

static inline void list_push_front(struct list_node *head, struct list_node *n)
{
	list_insert_after(head, n);
}

static inline void list_remove(struct list_node *n)
{
	n->prev->next = n->next;
	n->next->prev = n->prev;
	n->next = n->prev = n;
}

static inline struct list_node *list_pop_front(struct list_node *head)
{
	if (list_empty(head))
		return NULL;
	struct list_node *n = head->next;
	list_remove(n);
	return n;
}

#define list_for_each(pos, head) for (pos = (head)->next; pos != (head); pos = pos->next)
#define list_for_each_safe(pos, tmp, head) \
	for (pos = (head)->next, tmp = pos->next; pos != (head); pos = tmp, tmp = pos->next)
