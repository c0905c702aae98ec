/**
 * Keeps the first page of the list, per page size, for a short time inside
 * one function environment. At tens of thousands of list requests a second
 * most of them ask for the same newest page; without this every one would
 * read the same index partition key. The index is eventually consistent
 * already; a hit adds at most `ttlMs` of staleness. With `ttlMs` 0 nothing is kept.
 *
 * @example
 * const firstPages = new FirstPageCache<UserListPage>(500);
 * const page = await firstPages.get(20, () => listUsersNewestFirst(store, { limit: 20 }));
 */
export class FirstPageCache<Page> {
  readonly #pages = new Map<number, { readonly page: Page; readonly until: number }>();

  constructor(
    readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  async get(limit: number, load: () => Promise<Page>): Promise<Page> {
    if (this.ttlMs <= 0) return load();
    const cached = this.#pages.get(limit);
    if (cached && cached.until > this.now()) return cached.page;
    const page = await load();
    this.#pages.set(limit, { page, until: this.now() + this.ttlMs });
    return page;
  }
}
