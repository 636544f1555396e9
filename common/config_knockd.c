/* knockd.conf's [knockd] section: its keys, and which of them a reload cannot change. */
#include "config_knockd.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_values.h"
#include "dropin.h"

/* A key whose change the running daemon cannot take: a reload that changes it is refused. */
#define RESTART(kind, f) kind, offsetof(struct config, f), sizeof(((struct config *)0)->f)
#define RELOADS          CONFIG_RELOADABLE, 0, 0
/* [knockd] */
#define STRING_KEY(fn, field)                                                                      \
	static int fn(struct config_pstate *st, const char *v, int line, char *e, size_t n)        \
	{                                                                                          \
		(void)line;                                                                        \
		return value_string(st->c->field, sizeof(st->c->field), v, e, n);                  \
	}
#define PATH_KEY(fn, field)                                                                        \
	static int fn(struct config_pstate *st, const char *v, int line, char *e, size_t n)        \
	{                                                                                          \
		(void)line;                                                                        \
		return value_path(st->c->field, sizeof(st->c->field), v, e, n);                    \
	}
static int k_interfaces(struct config_pstate *st, const char *v, int line, char *e, size_t n)
{
	st->c->interfaces_line = line;
	return value_string(st->c->interfaces, sizeof(st->c->interfaces), v, e, n);
}
PATH_KEY(k_private_key, private_key)
static int k_spa_port(struct config_pstate *st, const char *v, int line, char *e, size_t n)
{
	(void)line;
	return parse_port(v, &st->c->spa_port, e, n);
}
static int k_backend(struct config_pstate *st, const char *v, int line, char *e, size_t n)
{
	(void)line;
	return value_backend(&st->c->backend, v, e, n);
}
static int k_nft_table(struct config_pstate *st, const char *v, int line, char *e, size_t n)
{
	(void)line;
	return value_nft_table(st->c->nft_table, sizeof(st->c->nft_table), v, e, n);
}
STRING_KEY(k_nft_in, nft_input_chain)
STRING_KEY(k_nft_out, nft_output_chain)
STRING_KEY(k_nft_fwd, nft_forward_chain)
PATH_KEY(k_state_dir, state_dir)
PATH_KEY(k_control, control_socket)
static int k_replay(struct config_pstate *st, const char *v, int line, char *e, size_t n)
{
	(void)line;
	return value_duration_range(&st->c->replay_window, v, 5, 3600, e, n);
}
static int k_max_grants(struct config_pstate *st, const char *v, int line, char *e, size_t n)
{
	unsigned long x;

	(void)line;
	if (parse_uint(v, 1000000, &x, e, n) < 0 || x < 16) {
		snprintf(e, n, "bad max_grants '%s' (want 16 to 1000000)", v);
		return -1;
	}
	st->c->max_grants = (uint32_t)x;
	return 0;
}

/* Each capture socket's receive queue in bytes (knockd.conf(5) says how the default was chosen). */
static int k_capture_buffer(struct config_pstate *st, const char *v, int line, char *e, size_t n)
{
	(void)line;
	return value_size_range(&st->c->capture_buffer, v, CAPTURE_BUFFER_MIN, CAPTURE_BUFFER_MAX,
				e, n);
}

static int k_seq_ports(struct config_pstate *st, const char *v, int line, char *e, size_t n)
{
	st->c->seq_line = line;
	return value_port_range(&st->c->seq_base, &st->c->seq_count, v, e, n);
}
static int k_seq_len(struct config_pstate *st, const char *v, int line, char *e, size_t n)
{
	st->c->seq_line = line;
	return value_seq_length(&st->c->seq_len, v, e, n);
}
static int k_seq_timeout(struct config_pstate *st, const char *v, int line, char *e, size_t n)
{
	(void)line;
	return value_duration_range(&st->c->seq_timeout, v, 1, 300, e, n);
}

static int k_include(struct config_pstate *st, const char *v, int line, char *e, size_t n)
{
	if (value_path(st->c->include, sizeof(st->c->include), v, e, n) < 0 ||
	    dropin_check_pattern(v, e, n) < 0)
		return -1;
	st->c->include_line = line;
	return 0;
}

static int k_exempt(struct config_pstate *st, const char *v, int line, char *e, size_t n)
{
	(void)line;
	return value_prefix_list(st->c->exempt, GATE_MAX_EXEMPT, &st->c->nexempt, v, e, n);
}
static int k_gate_lock(struct config_pstate *st, const char *v, int line, char *e, size_t n)
{
	(void)line;
	return parse_bool(v, &st->c->gate_lock, e, n);
}

static const struct config_keydef knockd_keys[] = {
    {"interfaces", k_interfaces, RELOADS},
    {"private_key", k_private_key, RELOADS},
    {"spa_port", k_spa_port, RELOADS},
    {"backend", k_backend, RESTART(CONFIG_RESTART_VALUE, backend)},
    {"nft_table", k_nft_table, RESTART(CONFIG_RESTART_STRING, nft_table)},
    {"nft_input_chain", k_nft_in, RESTART(CONFIG_RESTART_STRING, nft_input_chain)},
    {"nft_output_chain", k_nft_out, RESTART(CONFIG_RESTART_STRING, nft_output_chain)},
    {"nft_forward_chain", k_nft_fwd, RESTART(CONFIG_RESTART_STRING, nft_forward_chain)},
    {"state_dir", k_state_dir, RESTART(CONFIG_RESTART_STRING, state_dir)},
    {"control_socket", k_control, RESTART(CONFIG_RESTART_STRING, control_socket)},
    {"replay_window", k_replay, RELOADS},
    {"max_grants", k_max_grants, RESTART(CONFIG_RESTART_VALUE, max_grants)},
    {"sequence_ports", k_seq_ports, RELOADS},
    {"sequence_length", k_seq_len, RELOADS},
    {"sequence_timeout", k_seq_timeout, RELOADS},
    {"include", k_include, RELOADS},
    {"capture_buffer", k_capture_buffer, RELOADS},
    {"exempt", k_exempt, RELOADS},
    {"gate_lock", k_gate_lock, RESTART(CONFIG_RESTART_VALUE, gate_lock)},
    {NULL, NULL, RELOADS}};
const struct config_keydef *const config_knockd_keys = knockd_keys;
