package command

import (
	"os"
	"strings"
	"testing"
	"time"
)

func TestScratchScale(t *testing.T) {
	pat := os.Getenv("PAT")
	if pat == "" {
		t.Skip()
	}
	for _, n := range []int{4000, 8000, 16000, 32000, 64000} {
		body := strings.Repeat(pat, n/len(pat)) + "\n\n/status"
		start := time.Now()
		Parse(body, Options{})
		t.Logf("%q n=%d: %v", pat, n, time.Since(start))
	}
}
