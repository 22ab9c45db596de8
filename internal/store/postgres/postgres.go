// Package postgres is nashra's PostgreSQL store, for deployments with
// several nodes: pgx/v5 through database/sql (driver name "pgx"), so that
// River's riverdatabasesql driver can share the pool, and the same
// interfaces, behaviour and test suite as the SQLite store.
//
// Schema changes are applied by Migrate only ("nashra migrate"); two
// migrators at once are serialised by a transaction-scoped advisory lock.
package postgres

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"net"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib" // also registers the "pgx" database/sql driver

	"github.com/nashra/nashra/internal/store"
	"github.com/nashra/nashra/internal/store/internal/sqldb"
)

// sqlFiles holds the named queries whose SQL is this backend's own (the
// rest are sqldb's) and the migrations (see sqldb.New).
//
//go:embed *.sql migrations/*.up.sql
var sqlFiles embed.FS

// DriverName is the database/sql driver this package uses.
const DriverName = "pgx"

// Store is the PostgreSQL implementation of store.Store.
type Store struct {
	*sqldb.Core
}

var (
	_ store.Store      = (*Store)(nil)
	_ store.MarkSender = (*Store)(nil)
)

// Open connects to the database named by dsn, a libpq URL or key=value
// string ("postgres://user@host:5432/db?sslmode=disable"; runtime
// parameters such as search_path may be given as URL parameters). Open
// checks the server answers but does not migrate: call Migrate.
func Open(ctx context.Context, dsn string) (*Store, error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("postgres: open: %w", err)
	}
	dial := cfg.DialFunc
	cfg.DialFunc = func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := dial(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		return newMarkConn(c), nil
	}
	db := stdlib.OpenDB(*cfg)
	db.SetMaxOpenConns(20)
	db.SetMaxIdleConns(5)
	db.SetConnMaxIdleTime(5 * time.Minute)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("postgres: connect: %w", err)
	}
	core, err := sqldb.New(db, sqldb.Dialect{
		Name:         "postgres",
		IsUnique:     func(err error) bool { return code(err) == "23505" },
		IsForeignKey: func(err error) bool { return code(err) == "23503" },
		DollarParams: true,
	}, sqlFiles)
	if err != nil {
		db.Close()
		return nil, err
	}
	return &Store{Core: core}, nil
}

// setMessageID is the set-delivery-message-id query without its
// RETURNING: the pipeline reads the command tag's row count.
const setMessageID = `UPDATE deliveries SET message_id = $1 WHERE edition_id = $2 AND subscriber_id = $3`

// SendDeliveryMessageID implements store.MarkSender with pgx's pipeline
// mode: the UPDATE and the Sync that commits it are written to the
// connection's socket, held there by the kernel (markConn.hold), and the
// call returns without waiting; wait sends them and reads the result. The
// connection stays this call's until wait returns. Once the request is
// written the server gets and commits it even if this process dies: the
// kernel sends what it holds when the dead process's socket is closed.
func (s *Store) SendDeliveryMessageID(ctx context.Context, editionID string, subscriberID int64, messageID string) (func() error, error) {
	conn, err := s.DB().Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("postgres: set message id %s/%d: %w", editionID, subscriberID, err)
	}
	// Everything the caller's end of data waits for after the flush is
	// made before it: no allocation (a GC assist) or other work may come
	// between the two writes.
	var pipe *pgconn.Pipeline
	var mc *markConn
	held := false
	wait := func() error {
		defer conn.Close()
		var affected int64 = -1
		err := conn.Raw(func(any) error {
			if held {
				if err := mc.release(); err != nil {
					mc.Close() // sends what it held; pgx sees the connection closed
					pipe.Close()
					return err
				}
			}
			res, err := pipe.GetResults()
			if err != nil {
				pipe.Close()
				return err
			}
			rr, ok := res.(*pgconn.ResultReader)
			if !ok {
				pipe.Close()
				return fmt.Errorf("unexpected pipeline result %T", res)
			}
			tag, err := rr.Close()
			if err != nil {
				pipe.Close()
				return err
			}
			affected = tag.RowsAffected()
			return pipe.Close() // reads the Sync: the commit
		})
		if err != nil {
			return fmt.Errorf("postgres: set message id %s/%d: %w", editionID, subscriberID, err)
		}
		if affected != 1 {
			return fmt.Errorf("postgres: delivery %s/%d: %w", editionID, subscriberID, store.ErrNotFound)
		}
		return nil
	}
	err = conn.Raw(func(dc any) error {
		sc, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("unexpected driver connection %T", dc)
		}
		pc := sc.Conn().PgConn()
		pipe = pc.StartPipeline(ctx)
		pipe.SendQueryParams(setMessageID,
			[][]byte{[]byte(messageID), []byte(editionID), []byte(strconv.FormatInt(subscriberID, 10))}, nil, nil, nil)
		pipe.SendPipelineSync()
		// Held (where the socket can hold it) until wait: the caller's
		// end of data leaves first, and this write wakes no one.
		mc = markConnOf(pc.Conn())
		held = mc.hold()
		if err := pipe.Flush(); err != nil {
			if held {
				mc.release()
			}
			return err
		}
		return nil
	})
	if err != nil {
		conn.Close()
		return nil, fmt.Errorf("postgres: set message id %s/%d: %w", editionID, subscriberID, err)
	}
	return wait, nil
}

// code is the SQLSTATE of a server error, or "".
func code(err error) string {
	var e *pgconn.PgError
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}
