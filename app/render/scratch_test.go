package render

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestScratchCorpus(t *testing.T) {
	dir := os.Getenv("CORPUS")
	if dir == "" {
		t.Skip()
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*"))
	var worst time.Duration
	for _, f := range files {
		b, _ := os.ReadFile(f)
		lines := strings.Split(string(b), "\n")
		arg := strings.TrimSuffix(strings.TrimPrefix(lines[1], "string("), ")")
		s, err := strconv.Unquote(arg)
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		checkCodeSpan(t, s)
		worst = max(worst, time.Since(start))
	}
	t.Logf("%d files, worst %v", len(files), worst)
}
