package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"
)

func init() { register(newWorkerCmd) }

func newWorkerCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "worker",
		Short: "Run the queue workers only (scale-out on PostgreSQL)",
		Long: "Works edition and send jobs until interrupted. Every worker also takes part in River's\n" +
			"leader election; the leader enqueues the periodic edition job on digest.schedule.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := a.config()
			if err != nil {
				return err
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			st, err := openStore(ctx, cfg)
			if err != nil {
				return err
			}
			defer st.Close()
			stopDelivery, err := startDelivery(ctx, a, cfg, st, true)
			if err != nil {
				return err
			}
			<-ctx.Done()
			a.log.Info("stopping workers: waiting for sends in flight")
			sctx, cancel := context.WithTimeout(context.Background(), cfg.Server.ShutdownTimeout)
			defer cancel()
			return stopDelivery(sctx)
		},
	}
}
