package arabic

// numHashes is the MinHash signature size: the containment estimate has a
// standard error of about 0.06 at this size.
const numHashes = 64

// signature is a MinHash sketch of an article's word 3-shingles (normalised
// tokens, stop words kept), used to recognise near-duplicates.
type signature struct {
	mins     [numHashes]uint32
	shingles int // distinct shingles (estimated by the count of all)
}

func newSignature(toks []string) *signature {
	s := &signature{}
	for i := range s.mins {
		s.mins[i] = ^uint32(0)
	}
	seen := map[uint64]bool{}
	for i := 0; i+3 <= len(toks) || (i == 0 && len(toks) > 0); i++ {
		x := uint64(14695981039346656037) // FNV-1a over the shingle's words
		for _, t := range toks[i:min(i+3, len(toks))] {
			for k := 0; k < len(t); k++ {
				x = (x ^ uint64(t[k])) * 1099511628211
			}
			x = (x ^ 0xff) * 1099511628211
		}
		if seen[x] {
			continue
		}
		seen[x] = true
		for j := range s.mins {
			if v := uint32(mix64(x^seeds[j]) >> 32); v < s.mins[j] {
				s.mins[j] = v
			}
		}
	}
	s.shingles = len(seen)
	return s
}

// containment estimates |A∩B| / min(|A|,|B|) from the MinHash Jaccard.
func (a *signature) containment(b *signature) float64 {
	if a == nil || b == nil || a.shingles == 0 || b.shingles == 0 {
		return 0
	}
	eq := 0
	for i := range a.mins {
		if a.mins[i] == b.mins[i] {
			eq++
		}
	}
	j := float64(eq) / numHashes
	inter := j * float64(a.shingles+b.shingles) / (1 + j)
	c := inter / float64(min(a.shingles, b.shingles))
	return min(c, 1)
}

// mix64 is the splitmix64 finaliser.
func mix64(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}

var seeds = func() [numHashes]uint64 {
	var s [numHashes]uint64
	x := uint64(0x6e617368726121) // "nashra!"
	for i := range s {
		x += 0x9e3779b97f4a7c15
		s[i] = mix64(x)
	}
	return s
}()

// Fingerprint is the near-duplicate sketch of one article's text, for
// telling the same story from two sources apart from two stories.
type Fingerprint struct{ sig *signature }

// FingerprintOf sketches an article from its title and text as the
// related-article index does.
func FingerprintOf(title, text string) Fingerprint {
	return Fingerprint{newSignature(Tokens(title + "\n" + text))}
}

// SameStory reports whether f and g are near-duplicates: their shingle
// containment is at least DefaultIndexOptions.Duplicate. Texts of fewer
// than minStoryShingles shingles (a title alone) are never the same story:
// a shared phrase would make them so.
func (f Fingerprint) SameStory(g Fingerprint) bool {
	if f.sig == nil || g.sig == nil || min(f.sig.shingles, g.sig.shingles) < minStoryShingles {
		return false
	}
	return f.sig.containment(g.sig) >= DefaultIndexOptions.Duplicate
}

const minStoryShingles = 12
