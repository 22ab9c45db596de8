package main

import (
	"context"
	"errors"
	"strings"

	"github.com/nashra/nashra/internal/backend"
	"github.com/nashra/nashra/internal/config"
	"github.com/nashra/nashra/internal/delivery"
	"github.com/nashra/nashra/mailer"
)

// openQueue readies the database for sending and builds the delivery
// service, its transport and the River client with qo (its workers,
// location and log filled in here). The caller closes the
// transport after stopping the queue.
func openQueue(ctx context.Context, a *app, cfg *config.Config, b *backend.Backend, qo delivery.QueueOptions) (*delivery.Queue, mailer.Transport, error) {
	if err := b.Sending(ctx, cfg.Mail.SMTP.Pool); err != nil {
		return nil, nil, err
	}
	svc, tr, err := newDelivery(ctx, a, cfg, b)
	if err != nil {
		return nil, nil, err
	}
	qo.Workers = b.SendWorkers(cfg.Mail.Transport, cfg.Mail.SMTP.Pool)
	qo.Location = cfg.Location()
	qo.Log = a.log
	q, err := b.NewQueue(svc, qo)
	if err != nil {
		tr.Close()
		return nil, nil, err
	}
	return q, tr, nil
}

// startDelivery starts the River workers (and, with withScheduler, the
// periodic edition job on digest.schedule, which River runs on its elected
// leader only). stop waits for running sends to finish, then closes the
// transport.
func startDelivery(ctx context.Context, a *app, cfg *config.Config, b *backend.Backend, withScheduler bool) (func(context.Context) error, error) {
	qo := delivery.QueueOptions{RescueEvery: rescueEvery}
	if withScheduler {
		qo.Schedule = cfg.Digest.Schedule
		src, err := a.sourceService(ctx, cfg, b.Store)
		if err != nil {
			return nil, err
		}
		qo.Sources, qo.SourceWorkers = sourceJobs{src}, cfg.Sources.Workers
		for _, n := range cfg.NewsletterList() {
			if n.RequireApproval() {
				qo.PrepareBefore = cfg.Digest.PrepareBefore
			}
		}
	}
	a.observeQueue(b, &qo) // metrics (worker.go)
	q, tr, err := openQueue(ctx, a, cfg, b, qo)
	if err != nil {
		return nil, err
	}
	if err := q.Start(ctx); err != nil {
		tr.Close()
		return nil, err
	}
	a.log.Info("delivery workers started", "queue", q.ID(), "schedule", qScheduleText(cfg, withScheduler))
	return func(sctx context.Context) error {
		return errors.Join(q.Stop(sctx), tr.Close())
	}, nil
}

func qScheduleText(cfg *config.Config, on bool) string {
	if !on {
		return "off"
	}
	var parts []string
	for _, n := range cfg.NewsletterList() {
		parts = append(parts, n.Slug+": "+n.Schedule)
	}
	return strings.Join(parts, ", ") + " (" + cfg.Site.Timezone + ")"
}
