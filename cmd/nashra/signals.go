package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"syscall"
)

// stopContext is ctx cancelled by SIGINT, SIGTERM or SIGHUP, logging which
// one arrived. Every one of them stops the process cleanly (requests and
// the message in flight finish): nashra does not reload its config in
// place, so SIGHUP says so rather than killing the process without a word.
func stopContext(ctx context.Context, log *slog.Logger) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(ctx)
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	go func() {
		select {
		case sig := <-ch:
			if sig == syscall.SIGHUP {
				log.Info("SIGHUP: shutting down cleanly; the config is not reloaded in place, start nashra again to apply it")
			} else {
				log.Info("shutting down cleanly", "signal", sig.String())
			}
			cancel()
		case <-ctx.Done():
		}
	}()
	return ctx, func() { signal.Stop(ch); cancel() }
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
