// Package open builds the configured store.Store from a driver name and a
// DSN. It lives apart from package store so that store (interfaces) does
// not import its own backends; cmd/nashra is its only intended caller.
package open

import (
	"context"
	"fmt"

	"github.com/nashra/nashra/internal/store"
	"github.com/nashra/nashra/internal/store/postgres"
	"github.com/nashra/nashra/internal/store/sqlite"
)

// Drivers are the accepted values of store.driver.
var Drivers = []string{"sqlite", "postgres"}

// Open opens the store for driver "sqlite" (dsn: a file path) or
// "postgres" (dsn: a libpq URL or key=value string). It does not migrate.
func Open(ctx context.Context, driver, dsn string) (store.Store, error) {
	switch driver {
	case "sqlite":
		return sqlite.Open(ctx, dsn)
	case "postgres", "postgresql":
		return postgres.Open(ctx, dsn)
	}
	return nil, fmt.Errorf("store: unknown driver %q (want sqlite or postgres)", driver)
}
