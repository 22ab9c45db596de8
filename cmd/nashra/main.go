// Command nashra turns articles into RSS, Atom and JSON feeds and a daily
// Arabic email digest. See README.md.
package main

import (
	"fmt"
	"os"
)

func main() {
	if err := newRootCmd(os.Stdout, os.Stderr).Execute(); err != nil {
		fmt.Fprintln(os.Stderr, "nashra:", err)
		os.Exit(exitCode(err))
	}
}
