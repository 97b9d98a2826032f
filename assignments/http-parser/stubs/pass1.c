/* ---- Pass 1: judge each line as it arrives ---- */

/* ASSIGNMENT http-parser (assignments/http-parser/README.md): your
 * helpers for pass 1 go here (the reference has check_line_length,
 * judge_line and judge_partial_line). */

