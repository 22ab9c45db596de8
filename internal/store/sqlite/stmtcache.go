package sqlite

import (
	"container/list"
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"reflect"

	"modernc.org/sqlite"
)

// stmtCacheSize bounds the prepared statements kept per connection: the
// store's named queries and River's riversqlite queries together are about 90
// texts; queries built at run time (River's job lists) take the rest.
const stmtCacheSize = 160

// stmtCacheMaxLen leaves very long texts (migration scripts) unprepared.
const stmtCacheMaxLen = 16 << 10

// newConnector returns a driver.Connector for dsn whose connections keep
// their prepared statements, keyed by SQL text. database/sql hands a query
// text to the connection on every call and modernc.org/sqlite parses and
// plans it again each time; on the send path (the store's ledger updates
// and River's fetch and completion queries, some 3 kB long) that parsing
// was about a third of nashra's CPU time. Caching at the connection serves
// both the store and River, which share the pool.
func newConnector(dsn string) (driver.Connector, error) {
	inner, err := sqlite.NewConnector(dsn)
	if err != nil {
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	return &cachingConnector{inner: inner}, nil
}

type cachingConnector struct{ inner driver.Connector }

func (c *cachingConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.inner.Connect(ctx)
	if err != nil {
		return nil, err
	}
	return newCachingConn(conn)
}

func (c *cachingConnector) Driver() driver.Driver { return c.inner.Driver() }

// connIface is what modernc.org/sqlite's connection implements and
// database/sql uses.
type connIface interface {
	driver.Conn
	driver.ConnBeginTx
	driver.ConnPrepareContext
	driver.ExecerContext
	driver.QueryerContext
	driver.Pinger
	driver.SessionResetter
	driver.Validator
}

// cachingConn is a connection with an LRU cache of prepared statements.
// database/sql uses a connection from one goroutine at a time, so it needs
// no lock; a statement whose rows are still open (a query run while
// iterating another result of the same text) is not shared: the second use
// runs unprepared.
type cachingConn struct {
	connIface
	stmts map[string]*list.Element
	lru   list.List // of *cachedStmt, most recently used first
}

type cachedStmt struct {
	query string
	stmt  interface {
		driver.Stmt
		driver.StmtExecContext
		driver.StmtQueryContext
	}
	busy bool
}

func newCachingConn(c driver.Conn) (driver.Conn, error) {
	ci, ok := c.(connIface)
	if !ok {
		c.Close()
		return nil, errors.New("sqlite: driver connection lacks the context interfaces")
	}
	return &cachingConn{connIface: ci, stmts: map[string]*list.Element{}}, nil
}

// Unwrap returns modernc.org/sqlite's connection (for sql.Conn.Raw users).
func (c *cachingConn) Unwrap() driver.Conn { return c.connIface }

// get returns the cached statement for query, preparing it when needed, or
// nil when the statement should run unprepared.
func (c *cachingConn) get(ctx context.Context, query string) (*cachedStmt, error) {
	if el, ok := c.stmts[query]; ok {
		cs := el.Value.(*cachedStmt)
		if cs.busy {
			return nil, nil
		}
		c.lru.MoveToFront(el)
		return cs, nil
	}
	if len(query) > stmtCacheMaxLen {
		return nil, nil
	}
	st, err := c.connIface.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	full, ok := st.(interface {
		driver.Stmt
		driver.StmtExecContext
		driver.StmtQueryContext
	})
	if !ok {
		st.Close()
		return nil, nil
	}
	cs := &cachedStmt{query: query, stmt: full}
	c.stmts[query] = c.lru.PushFront(cs)
	for c.lru.Len() > stmtCacheSize {
		c.drop(c.lru.Back())
	}
	return cs, nil
}

// drop closes and forgets a cached statement (a busy one is closed by its
// rows).
func (c *cachingConn) drop(el *list.Element) {
	cs := el.Value.(*cachedStmt)
	c.lru.Remove(el)
	delete(c.stmts, cs.query)
	if !cs.busy {
		cs.stmt.Close()
	}
}

// forget drops cs after an error (a statement may be left invalid by a
// schema change; the next use prepares it again).
func (c *cachingConn) forget(cs *cachedStmt) {
	if el, ok := c.stmts[cs.query]; ok && el.Value == cs {
		c.drop(el)
	}
}

// ExecContext implements driver.ExecerContext with a cached statement.
func (c *cachingConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	cs, err := c.get(ctx, query)
	if err != nil {
		return nil, err
	}
	if cs == nil {
		return c.connIface.ExecContext(ctx, query, args)
	}
	res, err := cs.stmt.ExecContext(ctx, args)
	if err != nil {
		c.forget(cs)
	}
	return res, err
}

// QueryContext implements driver.QueryerContext with a cached statement.
func (c *cachingConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	cs, err := c.get(ctx, query)
	if err != nil {
		return nil, err
	}
	if cs == nil {
		return c.connIface.QueryContext(ctx, query, args)
	}
	rows, err := cs.stmt.QueryContext(ctx, args)
	if err != nil {
		c.forget(cs)
		return nil, err
	}
	cs.busy = true
	return &cachedRows{Rows: rows, c: c, cs: cs}, nil
}

// Close finalises the cached statements, then closes the connection.
func (c *cachingConn) Close() error {
	for el := c.lru.Front(); el != nil; el = el.Next() {
		if cs := el.Value.(*cachedStmt); !cs.busy {
			cs.stmt.Close()
		}
	}
	c.stmts, c.lru = nil, list.List{}
	return c.connIface.Close()
}

// cachedRows frees its statement for reuse when closed.
type cachedRows struct {
	driver.Rows
	c  *cachingConn
	cs *cachedStmt
}

func (r *cachedRows) Close() error {
	err := r.Rows.Close()
	r.cs.busy = false
	if el, ok := r.c.stmts[r.cs.query]; !ok || el.Value != r.cs {
		// Evicted while in use: finalise now.
		r.cs.stmt.Close()
	}
	return err
}

// Column type information, which database/sql asks the rows for.

func (r *cachedRows) ColumnTypeDatabaseTypeName(i int) string {
	if t, ok := r.Rows.(driver.RowsColumnTypeDatabaseTypeName); ok {
		return t.ColumnTypeDatabaseTypeName(i)
	}
	return ""
}

func (r *cachedRows) ColumnTypeScanType(i int) reflect.Type {
	if t, ok := r.Rows.(driver.RowsColumnTypeScanType); ok {
		return t.ColumnTypeScanType(i)
	}
	return reflect.TypeFor[any]()
}

func (r *cachedRows) ColumnTypeNullable(i int) (nullable, ok bool) {
	if t, ok := r.Rows.(driver.RowsColumnTypeNullable); ok {
		return t.ColumnTypeNullable(i)
	}
	return false, false
}

func (r *cachedRows) ColumnTypeLength(i int) (int64, bool) {
	if t, ok := r.Rows.(driver.RowsColumnTypeLength); ok {
		return t.ColumnTypeLength(i)
	}
	return 0, false
}

func (r *cachedRows) ColumnTypePrecisionScale(i int) (precision, scale int64, ok bool) {
	if t, ok := r.Rows.(driver.RowsColumnTypePrecisionScale); ok {
		return t.ColumnTypePrecisionScale(i)
	}
	return 0, 0, false
}
