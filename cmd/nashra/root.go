package main

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime/pprof"

	"github.com/spf13/cobra"

	"github.com/nashra/nashra/internal/config"
	"github.com/nashra/nashra/internal/metrics"
	"github.com/nashra/nashra/internal/source"
	"github.com/nashra/nashra/internal/store"
)

// app carries what every command shares: the config file flag, the loaded
// config and the logger. Commands get it explicitly; nothing is global.
type app struct {
	configFile string
	cpuProfile string
	memProfile string
	err        io.Writer // where logs and progress go (standard error)

	cfg *config.Config
	log *slog.Logger
	// metrics is this process's Prometheus metrics (see nodeMetrics).
	metrics *metrics.Metrics
	// sources is the source service of serve and worker (sourceService).
	sources *source.Service
	// newsletter is --newsletter of the digest and subscribers commands
	// ("" = the default newsletter).
	newsletter string
}

// config loads, defaults and validates the configuration once.
func (a *app) config() (*config.Config, error) {
	if a.cfg != nil {
		return a.cfg, nil
	}
	cfg, err := config.Load(a.configFile)
	if err != nil {
		return nil, err
	}
	a.cfg = cfg
	a.log = config.NewLogger(cfg.Log, a.err)
	return cfg, nil
}

// configRunE is the RunE of a command that needs the configuration: run
// gets the command, its arguments and the configuration (a.config).
func (a *app) configRunE(run func(cmd *cobra.Command, args []string, cfg *config.Config) error) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		cfg, err := a.config()
		if err != nil {
			return err
		}
		return run(cmd, args, cfg)
	}
}

// group is a command that only holds the sub-commands subs: run bare, it
// prints its usage and fails (requireSubcommand).
func group(use, short string, subs ...*cobra.Command) *cobra.Command {
	cmd := &cobra.Command{Use: use, Short: short}
	cmd.AddCommand(subs...)
	return cmd
}

func newRootCmd(out, errOut io.Writer) *cobra.Command {
	a := &app{err: errOut, log: slog.New(slog.NewTextHandler(errOut, nil))}
	root := &cobra.Command{
		Use:           "nashra",
		Short:         "Arabic-first syndication feeds and daily email digests",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetOut(out)
	root.SetErr(errOut)
	root.PersistentFlags().StringVar(&a.configFile, "config", "", "config file (default ./config.yaml, or $NASHRA_CONFIG)")
	root.PersistentFlags().StringVar(&a.cpuProfile, "cpuprofile", "", "write a Go CPU profile of the command to this file when it ends without error (go tool pprof)")
	root.PersistentFlags().StringVar(&a.memProfile, "memprofile", "", "write a Go allocation profile of the command to this file when it ends without error (go tool pprof -sample_index=alloc_space)")
	var stopProfile func()
	root.PersistentPreRunE = func(*cobra.Command, []string) error {
		if a.cpuProfile == "" {
			return nil
		}
		f, err := os.Create(a.cpuProfile)
		if err != nil {
			return fmt.Errorf("--cpuprofile: %w", err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			f.Close()
			return fmt.Errorf("--cpuprofile: %w", err)
		}
		stopProfile = func() { pprof.StopCPUProfile(); f.Close() }
		return nil
	}
	root.PersistentPostRun = func(*cobra.Command, []string) {
		if stopProfile != nil {
			stopProfile()
		}
		if a.memProfile != "" {
			if err := writeAllocs(a.memProfile); err != nil {
				fmt.Fprintln(errOut, "--memprofile:", err)
			}
		}
	}
	// The commands, each built in a file of its own; help lists them sorted.
	root.AddCommand(
		newServeCmd(a), newWorkerCmd(a), newMigrateCmd(a), newConfigCmd(a),
		newImportCmd(a), newBuildCmd(a), newArticlesCmd(a), newSourcesCmd(a),
		newDigestCmd(a), newNewslettersCmd(a), newSubscribersCmd(a),
		newUsersCmd(a), newTokensCmd(a), newAuditCmd(a), newTextCmd(a),
	)
	requireSubcommand(root)
	return root
}

// requireSubcommand makes nashra, and each command that only groups others
// (digest, subscribers…), print its usage on stderr and fail when no
// sub-command is given, instead of printing help and exiting 0.
func requireSubcommand(c *cobra.Command) {
	for _, sub := range c.Commands() {
		requireSubcommand(sub)
	}
	if c.Run != nil || c.RunE != nil || !c.HasSubCommands() {
		return
	}
	c.Args = cobra.NoArgs
	c.RunE = func(cmd *cobra.Command, _ []string) error {
		cmd.SetOut(cmd.ErrOrStderr())
		cmd.Usage() //nolint:errcheck // best effort: the error below is what counts
		return fmt.Errorf("missing command: see %s --help", cmd.CommandPath())
	}
}

// writeAllocs writes the allocation profile of the run so far to path.
func writeAllocs(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := pprof.Lookup("allocs").WriteTo(f, 0); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// errPartial marks a command that did part of its work (some files failed
// to import, some messages failed): exit status 2 rather than 1.
var errPartial = errors.New("partly failed")

// noSuch words a store's "not found" for the admin — "users remove: no
// user a@b.org" rather than "sqlite: user a@b.org: store: not found" — and
// gives other errors the command and the name as context.
func noSuch(cmd, what, name string, err error) error {
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("%s: no %s %s", cmd, what, name)
	}
	return fmt.Errorf("%s %s: %w", cmd, name, err)
}

// errTempFail marks a failure worth retrying later; it exits 75
// (EX_TEMPFAIL), which mail servers take as "defer and try again".
var errTempFail = errors.New("temporary failure")

func exitCode(err error) int {
	switch {
	case errors.Is(err, errPartial):
		return 2
	case errors.Is(err, errTempFail):
		return 75
	}
	return 1
}
