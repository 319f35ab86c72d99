/*
 * Batched UDP for the DNS resolver: recvmmsg/sendmmsg on the Node event loop.
 *
 * node:dgram builds a Buffer, an address string and an rinfo object, and makes one JavaScript
 * call, for every datagram. At dnsmasq's rates that glue costs more than answering (docs/dns.md).
 * Here one libuv poll watcher wakes on a readable socket, reads up to BATCH datagrams with one
 * recvmmsg into a fixed ArrayBuffer, and calls JavaScript once for the batch; JavaScript writes
 * the replies into its own buffer and sends them with one sendmmsg. The receive buffer and the
 * source addresses stay valid until that call returns, so replies to the current batch need no
 * copy of an address.
 *
 * Linux only (recvmmsg). dns/udp-batch.ts loads this when it was built and falls back to
 * node:dgram when it was not; nothing else in the product depends on it.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <node_api.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <uv.h>

#define BATCH 64
/* Bytes kept of each received datagram: a DNS query is far smaller; a longer one is flagged. */
#define SLOT 4096
/* Int32 fields per received datagram: length, family (4|6), port, flags (1 = truncated). */
#define META 4
/* Batches read per wake-up before yielding to the rest of the event loop. */
#define ROUNDS 8

typedef struct {
  uv_poll_t poll;
  napi_env env;
  napi_ref on_batch;
  napi_ref input_ref;
  napi_ref meta_ref;
  napi_async_context async;
  int fd;
  int family;
  int closing;
  int in_batch;
  int release_pending;
  int count;
  uint8_t *input;
  int32_t *meta;
  struct mmsghdr msgs[BATCH];
  struct iovec iov[BATCH];
  struct sockaddr_storage addrs[BATCH];
  struct mmsghdr out[BATCH];
  struct iovec out_iov[BATCH];
} sock_t;

#define CHECK(env, call)                                                                           \
  do {                                                                                             \
    if ((call) != napi_ok) {                                                                       \
      napi_throw_error((env), "EINTERNAL", "batch_udp: Node-API call failed: " #call);             \
      return NULL;                                                                                 \
    }                                                                                              \
  } while (0)

static napi_value throw_errno(napi_env env, const char *what, int err) {
  char msg[256];
  const char *name = strerrorname_np(err);
  snprintf(msg, sizeof msg, "%s %s: %s", what, name ? name : "E?", strerror(err));
  napi_throw_error(env, name ? name : "EUNKNOWN", msg);
  return NULL;
}

static sock_t *unwrap(napi_env env, napi_value v) {
  void *p = NULL;
  if (napi_get_value_external(env, v, &p) != napi_ok || p == NULL) {
    napi_throw_type_error(env, "EINVAL", "batch_udp: not a socket handle");
    return NULL;
  }
  sock_t *s = p;
  if (s->fd < 0 || s->closing) {
    napi_throw_error(env, "ERR_SOCKET_DGRAM_NOT_RUNNING", "batch_udp: socket is closed");
    return NULL;
  }
  return s;
}

static void fill_meta(sock_t *s, int i) {
  struct mmsghdr *m = &s->msgs[i];
  int32_t *f = &s->meta[i * META];
  struct sockaddr_storage *a = &s->addrs[i];
  f[0] = (int32_t)m->msg_len;
  f[3] = (m->msg_hdr.msg_flags & MSG_TRUNC) ? 1 : 0;
  if (a->ss_family == AF_INET) {
    f[1] = 4;
    f[2] = ntohs(((struct sockaddr_in *)a)->sin_port);
  } else if (a->ss_family == AF_INET6) {
    f[1] = 6;
    f[2] = ntohs(((struct sockaddr_in6 *)a)->sin6_port);
  } else {
    f[1] = 0;
    f[2] = 0;
  }
}

static void release(sock_t *s);

static void on_readable(uv_poll_t *h, int status, int events) {
  (void)events;
  sock_t *s = h->data;
  if (status < 0 || s->closing) return;
  napi_env env = s->env;
  napi_handle_scope scope;
  if (napi_open_handle_scope(env, &scope) != napi_ok) return;
  napi_value fn, recv;
  if (napi_get_reference_value(env, s->on_batch, &fn) != napi_ok || napi_get_global(env, &recv) != napi_ok /* make_callback wants an object */) {
    napi_close_handle_scope(env, scope);
    return;
  }
  for (int round = 0; round < ROUNDS && !s->closing; round++) {
    for (int i = 0; i < BATCH; i++) {
      s->msgs[i].msg_hdr.msg_namelen = sizeof(struct sockaddr_storage);
      s->msgs[i].msg_hdr.msg_flags = 0;
      s->msgs[i].msg_len = 0;
    }
    int n = recvmmsg(s->fd, s->msgs, BATCH, MSG_DONTWAIT, NULL);
    if (n <= 0) break; /* EAGAIN: drained; any other error: the next wake-up retries */
    for (int i = 0; i < n; i++) fill_meta(s, i);
    s->count = n;
    s->in_batch = 1;
    napi_value argv[1], result;
    napi_create_int32(env, n, &argv[0]);
    napi_status st = napi_make_callback(env, s->async, recv, fn, 1, argv, &result);
    s->in_batch = 0;
    s->count = 0;
    if (st == napi_pending_exception) {
      napi_value err;
      napi_get_and_clear_last_exception(env, &err);
      napi_fatal_exception(env, err);
      break;
    }
    if (n < BATCH) break;
  }
  napi_close_handle_scope(env, scope);
  if (s->release_pending) release(s); /* close() was called from inside onBatch */
}

static void on_closed(uv_handle_t *h) {
  sock_t *s = h->data;
  free(s);
}

static void release(sock_t *s) {
  if (s->fd < 0) return;
  s->release_pending = 0;
  s->closing = 1;
  uv_poll_stop(&s->poll);
  close(s->fd);
  s->fd = -1;
  napi_delete_reference(s->env, s->on_batch);
  napi_delete_reference(s->env, s->input_ref);
  napi_delete_reference(s->env, s->meta_ref);
  napi_async_destroy(s->env, s->async);
  uv_close((uv_handle_t *)&s->poll, on_closed);
}

static void cleanup_hook(void *arg) {
  sock_t *s = arg;
  if (s->fd >= 0) {
    /* At environment teardown the loop may not run again: close the socket, leak the small struct. */
    s->closing = 1;
    uv_poll_stop(&s->poll);
    close(s->fd);
    s->fd = -1;
  }
}

static int parse_addr(const char *host, int port, int family, struct sockaddr_storage *out, socklen_t *len) {
  memset(out, 0, sizeof *out);
  if (family == 6) {
    struct sockaddr_in6 *a = (struct sockaddr_in6 *)out;
    a->sin6_family = AF_INET6;
    a->sin6_port = htons((uint16_t)port);
    *len = sizeof *a;
    return inet_pton(AF_INET6, host, &a->sin6_addr) == 1 ? 0 : -1;
  }
  struct sockaddr_in *a = (struct sockaddr_in *)out;
  a->sin_family = AF_INET;
  a->sin_port = htons((uint16_t)port);
  *len = sizeof *a;
  return inet_pton(AF_INET, host, &a->sin_addr) == 1 ? 0 : -1;
}

/* open(family: 4|6, host: string, port: number, rcvbuf: number, onBatch: (n) => void)
 *   -> { handle, port, input: ArrayBuffer (BATCH*SLOT), meta: Int32Array (BATCH*META), batch, slot } */
static napi_value js_open(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 5) {
    napi_throw_type_error(env, "EINVAL", "batch_udp.open(family, host, port, rcvbuf, onBatch)");
    return NULL;
  }
  int32_t family, port, rcvbuf;
  char host[64];
  size_t hostlen;
  CHECK(env, napi_get_value_int32(env, argv[0], &family));
  CHECK(env, napi_get_value_string_utf8(env, argv[1], host, sizeof host, &hostlen));
  CHECK(env, napi_get_value_int32(env, argv[2], &port));
  CHECK(env, napi_get_value_int32(env, argv[3], &rcvbuf));
  struct sockaddr_storage addr;
  socklen_t addrlen;
  if ((family != 4 && family != 6) || port < 0 || port > 65535 ||
      parse_addr(host, port, family, &addr, &addrlen) != 0) {
    napi_throw_type_error(env, "EINVAL", "batch_udp.open: family 4|6, an IP literal and a port 0-65535");
    return NULL;
  }
  int fd = socket(family == 6 ? AF_INET6 : AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return throw_errno(env, "socket", errno);
  if (rcvbuf > 0) setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
  if (family == 6) {
    int off = 0; /* dual stack, as node:dgram's udp6 */
    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof off);
  }
  if (bind(fd, (struct sockaddr *)&addr, addrlen) != 0) {
    int err = errno;
    close(fd);
    char what[128];
    snprintf(what, sizeof what, "bind %s:%d", host, port);
    return throw_errno(env, what, err);
  }
  struct sockaddr_storage bound;
  socklen_t boundlen = sizeof bound;
  getsockname(fd, (struct sockaddr *)&bound, &boundlen);
  int bound_port = ntohs(bound.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&bound)->sin6_port
                                                    : ((struct sockaddr_in *)&bound)->sin_port);

  sock_t *s = calloc(1, sizeof *s);
  if (s == NULL) {
    close(fd);
    return throw_errno(env, "calloc", ENOMEM);
  }
  s->env = env;
  s->fd = fd;
  s->family = family;
  napi_value input, meta_ab, meta, handle, result, name;
  void *data;
  CHECK(env, napi_create_arraybuffer(env, (size_t)BATCH * SLOT, &data, &input));
  s->input = data;
  CHECK(env, napi_create_arraybuffer(env, (size_t)BATCH * META * sizeof(int32_t), &data, &meta_ab));
  s->meta = data;
  CHECK(env, napi_create_typedarray(env, napi_int32_array, (size_t)BATCH * META, meta_ab, 0, &meta));
  CHECK(env, napi_create_reference(env, input, 1, &s->input_ref));
  CHECK(env, napi_create_reference(env, meta_ab, 1, &s->meta_ref));
  CHECK(env, napi_create_reference(env, argv[4], 1, &s->on_batch));
  CHECK(env, napi_create_string_utf8(env, "grapevine:dns-udp", NAPI_AUTO_LENGTH, &name));
  CHECK(env, napi_async_init(env, NULL, name, &s->async));
  for (int i = 0; i < BATCH; i++) {
    s->iov[i].iov_base = s->input + (size_t)i * SLOT;
    s->iov[i].iov_len = SLOT;
    s->msgs[i].msg_hdr.msg_iov = &s->iov[i];
    s->msgs[i].msg_hdr.msg_iovlen = 1;
    s->msgs[i].msg_hdr.msg_name = &s->addrs[i];
  }
  uv_loop_t *loop;
  CHECK(env, napi_get_uv_event_loop(env, &loop));
  int rc = uv_poll_init(loop, &s->poll, fd);
  if (rc == 0) {
    s->poll.data = s;
    rc = uv_poll_start(&s->poll, UV_READABLE, on_readable);
  }
  if (rc != 0) {
    close(fd);
    free(s);
    napi_throw_error(env, uv_err_name(rc), uv_strerror(rc));
    return NULL;
  }
  napi_add_env_cleanup_hook(env, cleanup_hook, s);
  CHECK(env, napi_create_external(env, s, NULL, NULL, &handle));
  CHECK(env, napi_create_object(env, &result));
  napi_value v;
  CHECK(env, napi_set_named_property(env, result, "handle", handle));
  CHECK(env, napi_create_int32(env, bound_port, &v));
  CHECK(env, napi_set_named_property(env, result, "port", v));
  CHECK(env, napi_set_named_property(env, result, "input", input));
  CHECK(env, napi_set_named_property(env, result, "meta", meta));
  CHECK(env, napi_create_int32(env, BATCH, &v));
  CHECK(env, napi_set_named_property(env, result, "batch", v));
  CHECK(env, napi_create_int32(env, SLOT, &v));
  CHECK(env, napi_set_named_property(env, result, "slot", v));
  CHECK(env, napi_create_int32(env, META, &v));
  CHECK(env, napi_set_named_property(env, result, "metaFields", v));
  return result;
}

/* reply(handle, out: Uint8Array, plan: Int32Array, n): during onBatch only; plan holds n triples
 * (index of the received datagram, offset in out, length). Returns how many were sent. */
static napi_value js_reply(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 4) {
    napi_throw_type_error(env, "EINVAL", "batch_udp.reply(handle, out, plan, n)");
    return NULL;
  }
  sock_t *s = unwrap(env, argv[0]);
  if (s == NULL) return NULL;
  if (!s->in_batch) {
    napi_throw_error(env, "EINVAL", "batch_udp.reply outside onBatch: the source addresses are gone");
    return NULL;
  }
  napi_typedarray_type t;
  size_t outlen, planlen;
  void *out, *plan_data;
  CHECK(env, napi_get_typedarray_info(env, argv[1], &t, &outlen, &out, NULL, NULL));
  if (t != napi_uint8_array) {
    napi_throw_type_error(env, "EINVAL", "batch_udp.reply: out must be a Uint8Array");
    return NULL;
  }
  CHECK(env, napi_get_typedarray_info(env, argv[2], &t, &planlen, &plan_data, NULL, NULL));
  if (t != napi_int32_array) {
    napi_throw_type_error(env, "EINVAL", "batch_udp.reply: plan must be an Int32Array");
    return NULL;
  }
  int32_t n;
  CHECK(env, napi_get_value_int32(env, argv[3], &n));
  const int32_t *plan = plan_data;
  int k = 0;
  for (int j = 0; j < n && j < BATCH && (size_t)(3 * j + 2) < planlen; j++) {
    int32_t idx = plan[3 * j], off = plan[3 * j + 1], len = plan[3 * j + 2];
    if (idx < 0 || idx >= s->count || off < 0 || len <= 0 || (size_t)off + (size_t)len > outlen) continue;
    s->out_iov[k].iov_base = (uint8_t *)out + off;
    s->out_iov[k].iov_len = (size_t)len;
    memset(&s->out[k].msg_hdr, 0, sizeof s->out[k].msg_hdr);
    s->out[k].msg_hdr.msg_iov = &s->out_iov[k];
    s->out[k].msg_hdr.msg_iovlen = 1;
    s->out[k].msg_hdr.msg_name = &s->addrs[idx];
    s->out[k].msg_hdr.msg_namelen = s->msgs[idx].msg_hdr.msg_namelen;
    k++;
  }
  int sent = 0;
  while (sent < k) {
    int r = sendmmsg(s->fd, s->out + sent, (unsigned)(k - sent), MSG_DONTWAIT);
    if (r > 0) {
      sent += r;
    } else if (r < 0 && errno == EINTR) {
      continue;
    } else {
      sent++; /* this datagram failed (full send buffer, unreachable): drop it, as UDP may */
    }
  }
  napi_value v;
  CHECK(env, napi_create_int32(env, k, &v));
  return v;
}

/* sendTo(handle, bytes: Uint8Array, host: string, port: number): one datagram, any time (replies
 * that finish after their batch, e.g. forwarded queries). Returns 0, or the errno. */
static napi_value js_send_to(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 4) {
    napi_throw_type_error(env, "EINVAL", "batch_udp.sendTo(handle, bytes, host, port)");
    return NULL;
  }
  sock_t *s = unwrap(env, argv[0]);
  if (s == NULL) return NULL;
  napi_typedarray_type t;
  size_t len;
  void *data;
  CHECK(env, napi_get_typedarray_info(env, argv[1], &t, &len, &data, NULL, NULL));
  char host[64];
  size_t hostlen;
  int32_t port;
  CHECK(env, napi_get_value_string_utf8(env, argv[2], host, sizeof host, &hostlen));
  CHECK(env, napi_get_value_int32(env, argv[3], &port));
  struct sockaddr_storage addr;
  socklen_t addrlen;
  int family = strchr(host, ':') != NULL ? 6 : 4;
  int rc = 0;
  if (t != napi_uint8_array || port <= 0 || port > 65535) {
    rc = EINVAL;
  } else if (family == 4 && s->family == 6) {
    char mapped[80];
    snprintf(mapped, sizeof mapped, "::ffff:%s", host);
    rc = parse_addr(mapped, port, 6, &addr, &addrlen) == 0 ? 0 : EINVAL;
  } else {
    rc = parse_addr(host, port, family, &addr, &addrlen) == 0 ? 0 : EINVAL;
  }
  if (rc == 0 && sendto(s->fd, data, len, MSG_DONTWAIT, (struct sockaddr *)&addr, addrlen) < 0) rc = errno;
  napi_value v;
  CHECK(env, napi_create_int32(env, rc, &v));
  return v;
}

/* address(handle, i): the source address of received datagram i, during onBatch only. */
static napi_value js_address(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  sock_t *s = argc < 2 ? NULL : unwrap(env, argv[0]);
  if (s == NULL) return NULL;
  int32_t i;
  CHECK(env, napi_get_value_int32(env, argv[1], &i));
  if (!s->in_batch || i < 0 || i >= s->count) {
    napi_throw_range_error(env, "EINVAL", "batch_udp.address: no such datagram in this batch");
    return NULL;
  }
  char text[INET6_ADDRSTRLEN] = "";
  struct sockaddr_storage *a = &s->addrs[i];
  if (a->ss_family == AF_INET) {
    inet_ntop(AF_INET, &((struct sockaddr_in *)a)->sin_addr, text, sizeof text);
  } else if (a->ss_family == AF_INET6) {
    struct in6_addr *x = &((struct sockaddr_in6 *)a)->sin6_addr;
    if (IN6_IS_ADDR_V4MAPPED(x)) inet_ntop(AF_INET, &x->s6_addr[12], text, sizeof text);
    else inet_ntop(AF_INET6, x, text, sizeof text);
  }
  napi_value v;
  CHECK(env, napi_create_string_utf8(env, text, NAPI_AUTO_LENGTH, &v));
  return v;
}

static napi_value js_close(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  void *p = NULL;
  if (argc < 1 || napi_get_value_external(env, argv[0], &p) != napi_ok || p == NULL) {
    napi_throw_type_error(env, "EINVAL", "batch_udp.close(handle)");
    return NULL;
  }
  sock_t *s = p;
  if (s->fd >= 0 && !s->closing) {
    napi_remove_env_cleanup_hook(env, cleanup_hook, s);
    s->closing = 1;
    uv_poll_stop(&s->poll);
    if (s->in_batch) s->release_pending = 1; /* the async context is in use: release after the call */
    else release(s);
  }
  return NULL;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
    {"open", NULL, js_open, NULL, NULL, NULL, napi_default, NULL},
    {"reply", NULL, js_reply, NULL, NULL, NULL, napi_default, NULL},
    {"sendTo", NULL, js_send_to, NULL, NULL, NULL, napi_default, NULL},
    {"address", NULL, js_address, NULL, NULL, NULL, napi_default, NULL},
    {"close", NULL, js_close, NULL, NULL, NULL, napi_default, NULL},
  };
  CHECK(env, napi_define_properties(env, exports, sizeof props / sizeof props[0], props));
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
