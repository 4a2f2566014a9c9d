package command

import "testing"

func BenchmarkScratchStair(b *testing.B) {
	body := staircase(MaxBodyRunes-10)[:MaxBodyRunes-10] + "\n\n/status"
	for b.Loop() {
		Parse(body, Options{})
	}
}
