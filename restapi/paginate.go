package restapi

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// GitHub's pagination: per_page defaults to 30 and is capped at 100; page
// starts at 1 (https://docs.github.com/rest/using-the-rest-api/using-pagination-in-the-rest-api).
const (
	defaultPerPage = 30
	maxPerPage     = 100
	// maxPage bounds page so page*per_page cannot overflow; GitHub refuses
	// absurd offsets too (INFERRED limit and text).
	maxPage = 1 << 20
)

// pageParams reads page and per_page. Values that are not integers are
// ignored, as GitHub ignores them (INFERRED); values out of range answer
// 422.
func pageParams(q url.Values) (page, perPage int, err *apiError) {
	page, perPage = 1, defaultPerPage
	if s := q.Get("per_page"); s != "" {
		n, e := strconv.Atoi(s)
		switch {
		case e != nil:
		case n < 1:
			return 0, 0, &apiError{Status: http.StatusUnprocessableEntity, Message: msgBadPagination}
		case n > maxPerPage:
			perPage = maxPerPage
		default:
			perPage = n
		}
	}
	if s := q.Get("page"); s != "" {
		n, e := strconv.Atoi(s)
		switch {
		case e != nil && !isDigits(s):
		case e != nil || n > maxPage:
			return 0, 0, &apiError{Status: http.StatusUnprocessableEntity, Message: msgBadPagination}
		case n >= 1:
			page = n
		}
	}
	return page, perPage, nil
}

func isDigits(s string) bool {
	return s != "" && strings.Trim(s, "0123456789") == ""
}

// pageOf returns the slice of n items on page, and the number of pages.
func pageOf(n, page, perPage int) (lo, hi, last int) {
	last = (n + perPage - 1) / perPage
	if last == 0 {
		last = 1
	}
	lo = (page - 1) * perPage
	if lo > n {
		lo = n
	}
	hi = lo + perPage
	if hi > n {
		hi = n
	}
	return lo, hi, last
}

// linkHeader builds GitHub's Link header for page of last: next and last
// after it, first and prev before it, each the request URL with page set.
func linkHeader(self *url.URL, page, last int) string {
	at := func(p int) string {
		u := *self
		q := u.Query()
		q.Del("page")
		enc := q.Encode()
		if enc != "" {
			enc += "&"
		}
		u.RawQuery = enc + "page=" + strconv.Itoa(p)
		return "<" + u.String() + ">"
	}
	var parts []string
	if page > 1 {
		parts = append(parts, at(page-1)+`; rel="prev"`)
	}
	if page < last {
		parts = append(parts, at(page+1)+`; rel="next"`, at(last)+`; rel="last"`)
	}
	if page > 1 {
		parts = append(parts, at(1)+`; rel="first"`)
	}
	return strings.Join(parts, ", ")
}
