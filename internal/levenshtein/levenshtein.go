// Package levenshtein measures how far apart two short strings are, for
// did-you-mean hints (a CLI flag, a built-in scenario's name, a misspelled
// registry host).
package levenshtein

// maxLen bounds the work: strings longer than this are far from anything a
// hint would offer.
const maxLen = 256

// Distance is the Levenshtein distance between a and b, in bytes. When
// either is longer than 256 bytes it returns the longer length, a distance
// no hint accepts, without comparing them.
func Distance(a, b string) int {
	if len(a) > maxLen || len(b) > maxLen {
		return max(len(a), len(b))
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
