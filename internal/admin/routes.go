package admin

import "github.com/nashra/nashra/internal/store"

// register lists every route of the console (page) and of the API (api)
// in one place, each with the least role it needs; page and api add the
// sign-in, role and CSRF checks. A service left out of Options leaves
// its routes out. It is long because it is the table: one line a route.
func (c *Console) register() {
	const viewer, editor, admin = store.RoleViewer, store.RoleEditor, store.RoleAdmin

	c.page("GET", "/admin/static/{file}", "", c.static)
	c.page("GET", "/admin/login", "", c.loginPage)
	c.page("POST", "/admin/login", "", c.login)
	c.page("POST", "/admin/login/code", "", c.loginCode)
	c.page("POST", "/admin/logout", viewer, c.logout)
	c.page("GET", "/admin/{$}", viewer, c.dashboard)
	c.page("GET", "/admin/", viewer, c.notFound)

	c.page("GET", "/admin/subscribers", viewer, c.subscribers)
	c.page("GET", "/admin/subscribers/export.csv", viewer, c.exportCSV)
	c.page("POST", "/admin/subscribers/import", editor, c.importCSV)
	c.page("GET", "/admin/subscribers/{id}", viewer, c.subscriber)
	c.page("POST", "/admin/subscribers/{id}", editor, c.editSubscriber)
	c.page("POST", "/admin/subscribers/{id}/unsubscribe", editor, c.unsubscribeSubscriber)
	c.page("POST", "/admin/subscribers/{id}/erase", editor, c.eraseSubscriber)
	if c.o.Subscribe != nil {
		c.page("POST", "/admin/subscribers/{id}/resend-confirmation", editor, c.resendConfirmation)
	}

	c.page("GET", "/admin/articles", viewer, c.articles)
	c.page("GET", "/admin/articles/{slug}", viewer, c.article)
	if c.o.Articles != nil {
		for _, op := range []string{"unpublish", "publish", "delete", "category"} {
			c.page("POST", "/admin/articles/{slug}/"+op, editor, c.articleAction(op))
		}
	}

	if c.o.Editions != nil {
		c.page("GET", "/admin/editions", viewer, c.editions)
		c.page("GET", "/admin/editions/{date}", viewer, c.editionPage)
		c.page("GET", "/admin/editions/{date}/preview", viewer, c.editionPreview)
		c.page("GET", "/admin/editions/{date}/progress.json", viewer, c.editionProgress)
		c.page("GET", "/admin/editions/{date}/report.csv", viewer, c.editionReportCSV)
		for _, op := range editionOps {
			c.page("POST", "/admin/editions/{date}/"+op, editor, c.editionAction(op))
		}
		c.page("POST", "/admin/editions/{date}/test", editor, c.editionTest)
		c.page("POST", "/admin/editions/{date}/resend", editor, c.editionResend)
	}

	if c.o.Sources != nil {
		c.page("GET", "/admin/sources", viewer, c.sources)
		c.page("POST", "/admin/sources", editor, c.addSource)
		c.page("POST", "/admin/sources/remove", editor, c.removeSource)
		c.page("POST", "/admin/sources/fetch", editor, c.fetchSource)
	}

	c.page("GET", "/admin/users", admin, c.users)
	c.page("POST", "/admin/users", admin, c.addUser)
	c.page("POST", "/admin/users/{id}/role", admin, c.setRole)
	c.page("POST", "/admin/users/{id}/remove", admin, c.removeUser)
	c.page("GET", "/admin/tokens", admin, c.tokens)
	c.page("POST", "/admin/tokens", admin, c.createToken)
	c.page("POST", "/admin/tokens/revoke", admin, c.revokeToken)
	c.page("GET", "/admin/audit", viewer, c.audit)

	c.api("GET", "/api/v1/openapi.json", "", serveOpenAPI)
	c.api("GET", "/api/v1/", viewer, apiNotFound)

	c.api("GET", "/api/v1/subscribers", viewer, c.apiSubscribers)
	c.api("POST", "/api/v1/subscribers", editor, c.apiAddSubscriber)
	c.api("GET", "/api/v1/subscribers/{id}", viewer, c.apiSubscriber)
	c.api("PATCH", "/api/v1/subscribers/{id}", editor, c.apiPatchSubscriber)
	c.api("DELETE", "/api/v1/subscribers/{id}", editor, c.apiEraseSubscriber)
	c.api("POST", "/api/v1/subscribers/{id}/resend-confirmation", editor, c.apiResendConfirmation)
	c.api("GET", "/api/v1/newsletters", viewer, c.apiNewsletters)

	c.api("GET", "/api/v1/articles", viewer, c.apiArticles)
	c.api("GET", "/api/v1/articles/{slug}", viewer, c.apiArticle)
	c.api("PATCH", "/api/v1/articles/{slug}", editor, c.apiPatchArticle)
	if c.o.Articles != nil {
		c.api("POST", "/api/v1/articles/{slug}/unpublish", editor, c.apiArticleOp("unpublish"))
		c.api("POST", "/api/v1/articles/{slug}/publish", editor, c.apiArticleOp("publish"))
		c.api("DELETE", "/api/v1/articles/{slug}", editor, c.apiArticleOp("delete"))
	}

	if c.o.Editions != nil {
		c.api("GET", "/api/v1/editions", viewer, c.apiEditionList)
		c.api("GET", "/api/v1/editions/{date}", viewer, c.apiEditionGet)
		c.api("GET", "/api/v1/editions/{date}/report", viewer, c.apiEditionReport)
		for _, op := range editionOps {
			c.api("POST", "/api/v1/editions/{date}/"+op, editor, c.apiEditionAction(op))
		}
		c.api("POST", "/api/v1/editions/{date}/test", editor, c.apiEditionTest)
		c.api("POST", "/api/v1/editions/{date}/resend", editor, c.apiEditionResend)
	} else { // the editions the store holds, read-only
		c.api("GET", "/api/v1/editions", viewer, c.apiEditions)
		c.api("GET", "/api/v1/editions/{date}", viewer, c.apiEdition)
	}

	if c.o.Sources != nil {
		c.api("GET", "/api/v1/sources", viewer, c.apiSources)
		c.api("POST", "/api/v1/sources", editor, c.apiAddSource)
		c.api("GET", "/api/v1/sources/{id}", viewer, c.apiSource)
		c.api("DELETE", "/api/v1/sources/{id}", editor, c.apiRemoveSource)
		c.api("POST", "/api/v1/sources/{id}/fetch", editor, c.apiFetchSource)
	}

	c.api("GET", "/api/v1/users", admin, c.apiUsers)
	c.api("POST", "/api/v1/users", admin, c.apiAddUser)
	c.api("PATCH", "/api/v1/users/{id}", admin, c.apiSetRole)
	c.api("DELETE", "/api/v1/users/{id}", admin, c.apiRemoveUser)
	c.api("GET", "/api/v1/tokens", admin, c.apiTokens)
	c.api("POST", "/api/v1/tokens", admin, c.apiCreateToken)
	c.api("DELETE", "/api/v1/tokens/{name}", admin, c.apiRevokeToken)
	c.api("GET", "/api/v1/audit", viewer, c.apiAudit)
}
