package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"strings"
	"sync/atomic"
	"syscall"
)

// stopContext is ctx cancelled by SIGINT, SIGTERM or SIGHUP, logging which
// one arrived; each stops the process cleanly (requests and the message in
// flight finish). For serve, reload is given: on SIGHUP it re-reads the
// config, and only when that succeeds is ctx cancelled with reloading()
// true, so that the caller starts again on the new config; a config with
// errors is logged and the process serves on unchanged.
func stopContext(ctx context.Context, log *slog.Logger, reload func() error) (_ context.Context, stop context.CancelFunc, reloading func() bool) {
	ctx, cancel := context.WithCancel(ctx)
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	var hup atomic.Bool
	go func() {
		for {
			select {
			case sig := <-ch:
				switch {
				case sig != syscall.SIGHUP:
					log.Info("shutting down cleanly", "signal", sig.String())
				case reload == nil:
					log.Info("SIGHUP: shutting down cleanly; this command does not reload its config, start it again to apply one")
				default:
					if err := reload(); err != nil {
						for _, line := range strings.Split(err.Error(), "\n") {
							log.Error("SIGHUP: config not reloaded, serving on with the running one", "err", line)
						}
						continue
					}
					log.Info("SIGHUP: config reloaded; restarting with it")
					hup.Store(true)
				}
				cancel()
				return
			case <-ctx.Done():
				return
			}
		}
	}()
	return ctx, func() { signal.Stop(ch); cancel() }, hup.Load
}

// listen binds addr before anything else starts, so that an address in use
// is reported at once — not after an import and the workers' start.
func listen(key, addr string) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		var oe *net.OpError
		if errors.As(err, &oe) && oe.Err != nil {
			err = oe.Err
			var se *os.SyscallError
			if errors.As(err, &se) {
				err = se.Err
			}
		}
		return nil, fmt.Errorf("%s: cannot listen on %s: %v", key, addr, err)
	}
	return ln, nil
}
