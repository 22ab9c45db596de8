// Package lineup is the rule every part of nashra follows for the site's
// newsletters: they form an ordered list whose first entry is the default
// newsletter, and "" names that default one wherever a slug is taken (a
// --newsletter flag left out, a link or a stored row from before the site
// had several). The store keeps the default newsletter's subscriptions
// under "" until it is synced with the config.
package lineup

import "slices"

// Index is the position in list of the newsletter slug names ("" = the
// first, the default one), or -1 when it names none. slugOf reads a
// newsletter's slug, so that each component keeps its own type.
func Index[T any](list []T, slug string, slugOf func(T) string) int {
	if slug == "" && len(list) > 0 {
		return 0
	}
	return slices.IndexFunc(list, func(n T) bool { return slugOf(n) == slug })
}

// StoreSlug is a configured slug as the store may name it: "" for def,
// the default newsletter's slug.
func StoreSlug(def, slug string) string {
	if slug == def {
		return ""
	}
	return slug
}

// ConfigSlug is a stored newsletter as the config names it: "" is def,
// the default newsletter's slug.
func ConfigSlug(def, stored string) string {
	if stored == "" {
		return def
	}
	return stored
}
