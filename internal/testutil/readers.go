package testutil

import "strings"

// ReaderEdgeCases are the edge cases of the data contract for the bronze
// readers and the payloads of the issues they came from: every kind of
// line break, byte-order marks, bad encoding, malformed JSON and CSV, and
// lines and files longer than limit bytes. They seed the readers' fuzz
// targets (internal/ingest/read) and ingestion's test that every record is
// counted once (internal/ingest).
func ReaderEdgeCases(limit int) []string {
	return []string{
		"",
		"\xEF\xBB\xBF",
		"\n\n  \r\n\t\r",
		"{\"a\": 1}",                             // no final line break
		"{\"a\": 1}\n{\"a\": 2}\n",               // LF
		"{\"a\": 1}\r\n{\"a\": 2}\r\n  \r\n",     // CRLF
		"{\"a\": 1}\r{\"a\": 2}\r\r{\"a\": 3}\r", // lone CR (old Mac exports)
		"{\"a\": 1}\n\r{\"a\": 2}\r\n{\"a\": 3}\r{}", // mixed
		"\xEF\xBB\xBF{\"a\": 1}\n\xEF\xBB\xBF{\"a\": 2}\n",
		"{\"a\": NaN}\n{\"a\": Infinity}\n{\"a\": 1,}\n{'a': 1}\n{\"a\": 1} // c\n{\"a\": \"\\ud800\"}\n{\"a\": 1, \"a\": 2}\n{\"o\": {\"k\": 1, \"k\": 2}}\n",
		"{\"a\": \"\xff\"}\nnot json\n{\"a\": \"\x00\"}\n[1]\n\"s\"\n",
		"{\"a\": \"" + strings.Repeat("x", limit) + "\"}\n{\"a\": 1}\n", // a line longer than the limit
		strings.Repeat("y", 3*limit), // no line break at all
		"a,b\n1,2\n",
		"a,b\r\n1,2\r\n",
		"a,b\r1,2\r3,4",
		"a,b\n\"x\ny\",2\n\"q\"\"q\",3\n",               // RFC 4180 quoted line breaks, doubled quotes
		"code,rate\n\"EUR,1.0\nUSD,1.1\n",               // a quote open to the end of the file
		"a,b\n\"x\"y,2\n\"a\"\"\",\"b\n\n\"z,3\nok,4\n", // text after a closing quote
		"a,a,b\n1,2,3\n",                                // a header naming a column twice
		"a,b\n1\n1,2,3\n\xff,1\n\"\xff\n\",1\n",
		"\xEF\xBB\xBFa,b\n1,2\n",
		"a,\"b\n1,2\n",
		strings.Repeat("a,", limit) + "\n",
	}
}
