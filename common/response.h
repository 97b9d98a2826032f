/*
 * response.h - building and sending an HTTP/1.1 response.
 *
 * What it teaches: a response is a head (status line and headers, built in
 * one buffer) and a body that is either bytes in memory or a range of an
 * open file. The head and a memory body leave in one writev(2); a file body
 * leaves with sendfile(2), so its bytes never enter user space. Sending works
 * on non-blocking sockets and can stop and resume at any byte: prefork and
 * worker wait with poll() and call again; event's listener parks the
 * connection until the socket is writable (write completion).
 */
#ifndef KIT_RESPONSE_H
#define KIT_RESPONSE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define RESPONSE_HEAD_MAX 2048   /* status line and all headers */
#define RESPONSE_EXTRA_MAX 1024  /* headers added by a handler */

struct response {
	int status;
	char extra[RESPONSE_EXTRA_MAX]; /* "Name: value\r\n" lines from handlers */
	size_t extra_len;
	bool head_only;         /* HEAD: Content-Length but no body bytes */
	bool no_body;           /* 204/304: no Content-Length, no body */
	bool close;             /* this response ends the connection */

	/* The body: memory, or a range of a file; not both. */
	const char *body;       /* points to body_owned or to static text */
	size_t body_len;
	char *body_owned;       /* malloc'd, freed by response_reset */
	int file_fd;            /* -1 if none; closed by response_reset */
	off_t file_offset;
	off_t file_length;

	/* Built by response_finish. */
	char head[RESPONSE_HEAD_MAX];
	size_t head_len;

	/* Progress of response_send. */
	size_t head_sent;
	size_t body_sent;
	off_t file_sent;
	unsigned long long bytes_sent; /* for the access log and scoreboard */
};

/* Keep-alive parameters that response_finish writes into the head. */
struct response_conn_info {
	bool keep_alive;        /* false: "Connection: close" */
	long timeout_s;         /* Keep-Alive: timeout=T */
	long max_left;          /* Keep-Alive: max=N; < 0: don't send max */
	bool http10;            /* HTTP/1.0 client: send Keep-Alive explicitly */
};

void response_init(struct response *r);
/* Close the file, free an owned body, and re-init. */
void response_reset(struct response *r);

void response_set_status(struct response *r, int status);
/* Add a header line; silently truncated headers would be a bug, so this
 * returns -1 if it does not fit. */
int response_add_header(struct response *r, const char *name,
			const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void response_set_body_static(struct response *r, const char *text,
			      size_t len);
/* Takes ownership of a malloc'd buffer. */
void response_set_body_owned(struct response *r, char *buf, size_t len);
/* Takes ownership of fd. */
void response_set_body_file(struct response *r, int fd, off_t offset,
			    off_t length);

/* A small HTML error page for status: "<h1>404 Not Found</h1><p>detail</p>".
 * detail is HTML-escaped; may be NULL. */
void response_error(struct response *r, int status, const char *detail);

/* Build the head: status line, Date, Server, the handler's headers,
 * Content-Length, Connection and Keep-Alive. */
void response_finish(struct response *r, const struct response_conn_info *ci);

enum send_result { SEND_DONE, SEND_AGAIN, SEND_ERROR };
/* Send what is left; on a non-blocking fd returns SEND_AGAIN when the socket
 * buffer is full. */
enum send_result response_send(int fd, struct response *r);

/* "Not Found" for 404; "Unknown" for a code we don't know. */
const char *http_status_text(int status);

#endif
