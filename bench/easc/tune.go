package main

import (
	"fmt"
	"io"

	"github.com/nashra/nashra/internal/arabic"
)

func tuneSummary(odd []*article, out io.Writer) error {
	fmt.Fprintln(out, "tuning not implemented yet")
	_ = arabic.DefaultSummaryOptions
	return nil
}
