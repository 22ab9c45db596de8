// Command nashra turns articles into RSS, Atom and JSON feeds and a daily
// Arabic email digest. See README.md.
package main

import (
	"fmt"
	"os"
	"strings"
)

func main() {
	if err := newRootCmd(os.Stdout, os.Stderr).Execute(); err != nil {
		// One line per problem (a config with three mistakes gives three).
		for _, line := range strings.Split(err.Error(), "\n") {
			fmt.Fprintln(os.Stderr, "nashra:", line)
		}
		os.Exit(exitCode(err))
	}
}
