/*
 * chunked_cases.h - the rows of tests/unit/test_chunked.c: encoded bytes
 * in, decoded bytes (or 400) out, with the limits of small_limits
 * (LimitRequestFieldSize 24, LimitRequestFields 4). Included once, by
 * test_chunked.c, which defines the row macros:
 *
 *   DECODES(name, bytes, data)             a complete body
 *   DECODES_THEN(name, bytes, data, rest)  the same, then bytes not ours
 *   DECODE_MORE(name, bytes, data)         unfinished: data so far
 *   DECODE_BAD(name, bytes)                malformed: 400
 *
 * To add a case, add a row: every row is decoded whole, byte by byte, cut
 * at every position, in place and with one byte of output room.
 */

static const struct chunk_case chunk_cases[] = {
	/* ---- Valid bodies ---- */
	DECODES("only the last chunk", "0\r\n\r\n", ""),
	DECODES("one chunk", "5\r\nhello\r\n0\r\n\r\n", "hello"),
	DECODES("two chunks", "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n",
	        "hello world"),
	DECODES("one-byte chunks", "1\r\na\r\n1\r\nb\r\n1\r\nc\r\n0\r\n\r\n",
	        "abc"),
	DECODES("uppercase hex", "A\r\n0123456789\r\n0\r\n\r\n", "0123456789"),
	DECODES("lowercase hex", "a\r\n0123456789\r\n0\r\n\r\n", "0123456789"),
	DECODES("two hex digits",
	        "1f\r\n0123456789abcdef0123456789abcde\r\n0\r\n\r\n",
	        "0123456789abcdef0123456789abcde"),
	DECODES("leading zeros", "005\r\nhello\r\n0000\r\n\r\n", "hello"),
	DECODES("16 digits of size", "0000000000000005\r\nhello\r\n0\r\n\r\n",
	        "hello"),
	DECODES("CRLFs inside the data", "4\r\n\r\n\r\n\r\n0\r\n\r\n",
	        "\r\n\r\n"),
	DECODES("NUL bytes in the data", "3\r\na\0b\r\n0\r\n\r\n", "a\0b"),
	DECODES("an extension", "5;name=value\r\nhello\r\n0\r\n\r\n", "hello"),
	DECODES("an extension without a value", "5;x\r\nhello\r\n0\r\n\r\n",
	        "hello"),
	DECODES("a quoted extension", "5;n=\"a b\"\r\nhello\r\n0\r\n\r\n",
	        "hello"),
	DECODES("two extensions", "5;a;b=c\r\nhello\r\n0\r\n\r\n", "hello"),
	DECODES("whitespace before ;", "5 \t;a\r\nhello\r\n0\r\n\r\n", "hello"),
	DECODES("an extension on the last chunk", "0;last\r\n\r\n", ""),
	DECODES("a size line at the limit (24 bytes)",
	        "5;aaaaaaaaaaaaaaaaaaaaaa\r\nhello\r\n0\r\n\r\n", "hello"),
	DECODES("a trailer", "5\r\nhello\r\n0\r\nX-Sum: 1\r\n\r\n", "hello"),
	DECODES("a trailer without a space", "0\r\nX-Sum:1\r\n\r\n", ""),
	DECODES("4 trailers (the limit)",
	        "0\r\nA: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\n\r\n", ""),
	DECODES("a trailer line at the limit (24 bytes)",
	        "0\r\nX: aaaaaaaaaaaaaaaaaaaaa\r\n\r\n", ""),
	DECODES_THEN("the next request follows", "3\r\nabc\r\n0\r\n\r\n", "abc",
	             "GET / HTTP/1.1\r\n"),
	DECODES_THEN("a body, then a CRLF that is not ours", "0\r\n\r\n", "",
	             "\r\n"),

	/* ---- Not finished yet ---- */
	DECODE_MORE("a size", "5", ""),
	DECODE_MORE("a size and CR", "5\r", ""),
	DECODE_MORE("part of the data", "5\r\nhel", "hel"),
	DECODE_MORE("a whole chunk", "5\r\nhello\r\n", "hello"),
	DECODE_MORE("the last chunk without the empty line", "0\r\n", ""),
	DECODE_MORE("a trailer without the empty line", "0\r\nX: 1\r\n", ""),
	DECODE_MORE("the last CR", "0\r\n\r", ""),
	DECODE_MORE("the largest size", "ffffffffffffffff\r\nab", "ab"),
	DECODE_MORE("an extension, still arriving", "5;a=", ""),

	/* ---- Malformed ---- */
	DECODE_BAD("17 digits of size",
	           "00000000000000005\r\nhello\r\n0\r\n\r\n"),
	DECODE_BAD("a size past 64 bits", "10000000000000000\r\n"),
	DECODE_BAD("2^64+1 in hex", "10000000000000001\r\nhello\r\n0\r\n\r\n"),
	DECODE_BAD("2^64+1 in decimal digits",
	           "18446744073709551617\r\nhello\r\n0\r\n\r\n"),
	DECODE_BAD("zz for a size", "zz\r\nhello\r\n0\r\n\r\n"),
	DECODE_BAD("no size", "\r\nhello\r\n0\r\n\r\n"),
	DECODE_BAD("not hex", "g\r\n"),
	DECODE_BAD("a negative size", "-1\r\n"),
	DECODE_BAD("a plus sign", "+5\r\nhello\r\n"),
	DECODE_BAD("a 0x prefix", "0x5\r\nhello\r\n"),
	DECODE_BAD("a space inside the size", "5 5\r\n"),
	DECODE_BAD("whitespace, then no extension", "5 \r\nhello\r\n0\r\n\r\n"),
	DECODE_BAD("a space before the size", " 5\r\nhello\r\n"),
	DECODE_BAD("NUL for a size", "\0\r\n"),
	DECODE_BAD("bare LF after the size", "5\nhello\r\n0\r\n\r\n"),
	DECODE_BAD("bare CR after the size", "5\rhello\r\n0\r\n\r\n"),
	DECODE_BAD("data longer than the size", "3\r\nhello\r\n0\r\n\r\n"),
	DECODE_BAD("data shorter than the size", "6\r\nhello\r\n0\r\n\r\n"),
	DECODE_BAD("bare LF after the data", "5\r\nhello\n0\r\n\r\n"),
	DECODE_BAD("no CRLF after the data", "5\r\nhello0\r\n\r\n"),
	DECODE_BAD("CR without LF after the data", "5\r\nhello\r0\r\n\r\n"),
	DECODE_BAD("a control character in an extension",
	           "5;a\x01\r\nhello\r\n"),
	DECODE_BAD("bare LF in an extension", "5;a\nb\r\nhello\r\n"),
	DECODE_BAD("a size line over the limit (25 bytes)",
	           "5;aaaaaaaaaaaaaaaaaaaaaaa\r\nhello\r\n0\r\n\r\n"),
	DECODE_BAD("endless whitespace after the size",
	           "5                                  ;a\r\nhello\r\n"),
	DECODE_BAD("bare LF as the last line", "0\r\n\n"),
	DECODE_BAD("CR then not LF at the end", "0\r\n\rX"),
	DECODE_BAD("a folded trailer", "0\r\nX: 1\r\n y\r\n\r\n"),
	DECODE_BAD("a trailer without a colon", "0\r\nXY\r\n\r\n"),
	DECODE_BAD("a trailer with an empty name", "0\r\n: v\r\n\r\n"),
	DECODE_BAD("a space before a trailer's colon", "0\r\nX : v\r\n\r\n"),
	DECODE_BAD("a control character in a trailer", "0\r\nX: \x01\r\n\r\n"),
	DECODE_BAD("bare LF after a trailer", "0\r\nX: 1\n\r\n"),
	DECODE_BAD("5 trailers (one over)",
	           "0\r\nA: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\nE: 5\r\n\r\n"),
	DECODE_BAD("a trailer line over the limit",
	           "0\r\nX: aaaaaaaaaaaaaaaaaaaaaa\r\n\r\n"),
};
