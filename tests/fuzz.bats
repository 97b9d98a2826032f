#!/usr/bin/env bats
# fuzz.bats - a short fuzzing run of the parser, the path mapping and the
# static-file handler, as part of `make test`.
#
# What it teaches: fuzzing is a test like any other once it is bounded in
# time. The libFuzzer targets of tests/fuzz/ (see its README) are built
# with clang and ASan+UBSan and run side by side for FUZZ_QUICK_SECONDS
# (default 30) each; any crash or broken property fails the suite and
# leaves the input in build/fuzz/artifacts/. `make fuzz` runs them longer.
# Without clang or its libFuzzer runtime the tests are skipped, saying
# which tool is missing: the kit still works, this machine cannot fuzz.

load helpers

# A `make` started from `make test` must not join the outer make's jobs.
run_make() {
	env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -C "$ROOT" -s "$@"
}

# Why this machine cannot fuzz, or nothing.
fuzz_unavailable() {
	local probe="$BATS_TEST_TMPDIR/probe"

	command -v clang >/dev/null || { echo "clang is not installed"; return; }
	printf '%s\n' '#include <stddef.h>' '#include <stdint.h>' \
		'int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);' \
		'int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)' \
		'{ (void)d; (void)n; return 0; }' >"$probe.c"
	clang -fsanitize=fuzzer,address,undefined -o "$probe" "$probe.c" \
		>/dev/null 2>&1 ||
		echo "clang cannot link -fsanitize=fuzzer (no libFuzzer runtime)"
}

targets_built() {
	local t

	for t in parser path static; do
		[ -x "$ROOT/build/fuzz/fuzz_$t" ] || return 1
	done
}

@test "fuzz targets build with clang -fsanitize=fuzzer,address,undefined" {
	local why

	why="$(fuzz_unavailable)"
	[ -z "$why" ] || skip "$why"
	run_make fuzz-build
	targets_built
}

@test "fuzzing parser, path mapping and static handler finds nothing in ${FUZZ_QUICK_SECONDS:-30} s" {
	local why out

	why="$(fuzz_unavailable)"
	[ -z "$why" ] || skip "$why"
	targets_built || fail "fuzz targets not built (see the test before)" ||
		return 1
	out="$("$ROOT/tests/fuzz/run" "${FUZZ_QUICK_SECONDS:-30}" 2>&1)" || {
		echo "$out" >&2
		fail "a fuzz target found an input that breaks it (replay it" \
			"with build/fuzz/fuzz_NAME FILE)"
		return 1
	}
	printf '# %s\n' "${out//$'\n'/$'\n'# }" >&3
}
