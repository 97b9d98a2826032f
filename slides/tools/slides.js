/* slides.js - the only script in a deck, inlined by render.awk.
 * Right, Down, PageDown, Space: next slide. Left, Up, PageUp,
 * Backspace, Shift+Space: previous. Home, End: first, last. N: speaker
 * notes on or off. The slide number stays in the address (#7), so a reload
 * keeps the place. It also marks a slide whose content overflows its box
 * (class "overflow"), which tests/slides.bats looks for. */
(function () {
	"use strict";
	var slides = document.querySelectorAll("section.slide");
	var root = document.documentElement;
	var current = 0;

	function show(i) {
		i = Math.max(0, Math.min(slides.length - 1, i));
		slides[current].classList.remove("current");
		current = i;
		slides[current].classList.add("current");
		try {
			history.replaceState(null, "", "#" + (current + 1));
		} catch (e) { /* some file:// pages refuse; no matter */ }
	}

	function markOverflow() {
		for (var i = 0; i < slides.length; i++) {
			var s = slides[i], was = s.classList.contains("current");
			s.classList.add("current");
			if (s.scrollHeight > s.clientHeight + 2 ||
			    s.scrollWidth > s.clientWidth + 2)
				s.classList.add("overflow");
			if (!was)
				s.classList.remove("current");
		}
	}

	if (slides.length === 0)
		return;
	root.classList.add("js");
	document.addEventListener("keydown", function (e) {
		if (e.altKey || e.ctrlKey || e.metaKey)
			return;
		switch (e.key) {
		case " ":
			show(current + (e.shiftKey ? -1 : 1));
			break;
		case "ArrowRight": case "ArrowDown": case "PageDown":
			show(current + 1);
			break;
		case "ArrowLeft": case "ArrowUp": case "PageUp":
		case "Backspace":
			show(current - 1);
			break;
		case "Home": show(0); break;
		case "End": show(slides.length - 1); break;
		case "n": case "N": root.classList.toggle("show-notes"); break;
		default: return;
		}
		e.preventDefault();
	});
	var n = parseInt(location.hash.slice(1), 10);
	slides[0].classList.add("current");
	markOverflow();
	show(isNaN(n) ? 0 : n - 1);
})();
