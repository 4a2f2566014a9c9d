package command

import (
	"bytes"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"
)

// markdown parses comment bodies the way GitHub displays them: CommonMark
// plus the GFM block and inline extensions that change what counts as plain
// paragraph text (tables, strikethrough, task lists). It is built once and
// only read afterwards; goldmark parsers are safe for concurrent use.
var markdown = newMarkdownParser()

// deepLinesKey names the per-parse set of paragraph continuation lines
// indented four or more columns (see paragraphParser).
var deepLinesKey = parser.NewContextKey()

func newMarkdownParser() parser.Parser {
	blocks := parser.DefaultBlockParsers()
	for i, v := range blocks {
		if v.Value == parser.NewParagraphParser() {
			blocks[i] = util.Prioritized(paragraphParser{v.Value.(parser.BlockParser)}, v.Priority)
		}
	}
	p := parser.NewParser(
		parser.WithBlockParsers(blocks...),
		parser.WithInlineParsers(parser.DefaultInlineParsers()...),
		parser.WithParagraphTransformers(parser.DefaultParagraphTransformers()...),
	)
	md := goldmark.New(
		goldmark.WithParser(p),
		goldmark.WithExtensions(extension.Table, extension.Strikethrough, extension.TaskList),
	)
	return md.Parser()
}

// paragraphParser is goldmark's paragraph parser plus one observation.
// goldmark trims the indentation of every paragraph line, so from the AST
// alone "text\n        /deploy x" (a lazy continuation line indented eight
// columns) looks like a line starting with /deploy. Markdown only lets a
// line start a block after at most three columns of indentation, and we hold
// commands to the same rule, so Continue records the lines indented more,
// measured from the enclosing container (list item) as goldmark does.
type paragraphParser struct {
	parser.BlockParser
}

// Continue records deeply indented lines, then defers to goldmark.
func (p paragraphParser) Continue(node ast.Node, reader text.Reader, pc parser.Context) parser.State {
	line, seg := reader.PeekLine()
	if w, _ := util.IndentWidth(line, reader.LineOffset()); w > 3 {
		if deep, ok := pc.Get(deepLinesKey).(map[int]bool); ok {
			deep[lineEnd(reader.Source(), seg.Start)] = true
		}
	}
	return p.BlockParser.Continue(node, reader, pc)
}

// lineEnd returns the offset of the newline ending the line that holds pos,
// or len(src) on the last line. It identifies a source line uniquely.
func lineEnd(src []byte, pos int) int {
	if i := bytes.IndexByte(src[pos:], '\n'); i >= 0 {
		return pos + i
	}
	return len(src)
}

// textLines calls yield with the start offset of every source line that
// markdown renders as plain paragraph text beginning with a literal text
// run: a line of a Paragraph or TextBlock that is not inside a block quote,
// is indented at most three columns, and whose first inline node is a Text
// directly under the paragraph (not a code span, raw HTML, link or
// emphasis). Offsets come in source order.
func textLines(src []byte, yield func(start int)) {
	ctx := parser.NewContext()
	deep := map[int]bool{}
	ctx.Set(deepLinesKey, deep)
	root := markdown.Parse(text.NewReader(src), parser.WithContext(ctx))
	_ = ast.Walk(root, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		switch n.Kind() {
		case ast.KindParagraph, ast.KindTextBlock:
			paragraphLines(src, n, deep, yield)
			return ast.WalkSkipChildren, nil
		case ast.KindDocument, ast.KindList, ast.KindListItem:
			return ast.WalkContinue, nil
		default: // block quotes, code, HTML, headings, tables, ...
			return ast.WalkSkipChildren, nil
		}
	})
}

// paragraphLines yields the lines of block (a Paragraph or TextBlock) that
// begin with a Text node that is a direct child of block.
func paragraphLines(src []byte, block ast.Node, deep map[int]bool, yield func(start int)) {
	lines := block.Lines()
	child := block.FirstChild()
	for i := 0; i < lines.Len(); i++ {
		start := lines.At(i).Start
		// Children and lines are both in source order: skip inline nodes
		// that end before this line starts.
		for child != nil && inlineStart(child) < start {
			child = child.NextSibling()
		}
		t, ok := child.(*ast.Text)
		if !ok || t.Segment.Start != start || deep[lineEnd(src, start)] {
			continue
		}
		yield(start)
	}
}

// inlineStart returns the source offset where inline node n begins, or -1
// when it cannot tell (such a node never matches a line start).
func inlineStart(n ast.Node) int {
	if t, ok := n.(*ast.Text); ok {
		return t.Segment.Start
	}
	return n.Pos()
}
