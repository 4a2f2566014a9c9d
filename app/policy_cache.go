package app

import (
	"container/list"
	"sync"

	"github.com/issueops/issueops/app/policy"
)

// policyCacheSize bounds the policies kept in memory: one per repository
// and commit, and a repository's policy changes rarely.
const policyCacheSize = 512

// policyCache keeps parsed policies by repository and commit SHA. A commit
// never changes, so an entry never goes stale; a push makes a new key.
type policyCache struct {
	mu    sync.Mutex
	order *list.List // most recently used first; values are cacheKey
	items map[cacheKey]*list.Element
	data  map[cacheKey]cachedPolicy
}

type cacheKey struct {
	repo Repo
	sha  string
}

// cachedPolicy is a parsed policy, or the error that the file had.
type cachedPolicy struct {
	policy *policy.Policy
	err    error
}

func newPolicyCache() *policyCache {
	return &policyCache{order: list.New(), items: map[cacheKey]*list.Element{}, data: map[cacheKey]cachedPolicy{}}
}

// lookup returns the policy cached for repo at sha; a nil cache has none.
func (c *policyCache) lookup(repo Repo, sha string) (cachedPolicy, bool) {
	if c == nil {
		return cachedPolicy{}, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	k := cacheKey{repo, sha}
	el, ok := c.items[k]
	if !ok {
		return cachedPolicy{}, false
	}
	c.order.MoveToFront(el)
	return c.data[k], true
}

func (c *policyCache) put(repo Repo, sha string, p cachedPolicy) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	k := cacheKey{repo, sha}
	if el, ok := c.items[k]; ok {
		c.order.MoveToFront(el)
		c.data[k] = p
		return
	}
	c.items[k] = c.order.PushFront(k)
	c.data[k] = p
	for c.order.Len() > policyCacheSize {
		oldest := c.order.Back()
		c.order.Remove(oldest)
		delete(c.items, oldest.Value.(cacheKey))
		delete(c.data, oldest.Value.(cacheKey))
	}
}
