"""The pages the browser tests open, and what they read from them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from playwright.sync_api import Page

from tests.browser.harness import PHONE, LiveServer, Tab, Visitors, artifact


@dataclass(frozen=True)
class PageSpec:
    name: str
    user: str | None  # a demo user; None: nobody logged in
    path: str  # "{client}" is replaced by the demo client's id

    def url(self, server: LiveServer, locale: str) -> str:
        return f"{server.url}{self.path.format(client=server.client_id)}?lang={locale}"


COUNSELLOR = "counsellor-pk-isb"
PAGES = [
    PageSpec("login", None, "/login"),
    PageSpec("register", COUNSELLOR, "/cases/register"),
    PageSpec("session", COUNSELLOR, "/cases/clients/{client}/sessions/new"),
    PageSpec("worklist", COUNSELLOR, "/cases/worklist"),
    PageSpec("clients", COUNSELLOR, "/cases/clients"),
    PageSpec("client", COUNSELLOR, "/cases/clients/{client}"),
    PageSpec("find", COUNSELLOR, "/cases/find"),
    PageSpec("outreach", COUNSELLOR, "/outreach/"),
    PageSpec("referrals", COUNSELLOR, "/referrals/"),
    PageSpec("referrals-received", "partner-doha", "/referrals/received"),
    # The manager's worklist carries the low-stock alert; the stock page is the manager's.
    PageSpec("manager-worklist", "manager-pk-isb", "/cases/worklist"),
    PageSpec("stock", "manager-pk-isb", "/leaflets/stock"),
    PageSpec("dashboard", "supervisor-south-asia", "/dashboard/"),
    PageSpec("protection", "supervisor-south-asia", "/dashboard/protection"),
    PageSpec("impact", "supervisor-south-asia", "/impact/"),
    PageSpec("signals", "supervisor-south-asia", "/signals/"),
    PageSpec("signal-alerts", "supervisor-south-asia", "/signals/alerts"),
    PageSpec("reports", "supervisor-pk", "/reports/"),
    PageSpec("panels", "evaluator", "/panels/"),
    PageSpec("new-study", "evaluator", "/panels/new"),
    PageSpec("admin", "admin", "/admin/"),
    PageSpec("directory", "admin", "/referrals/directory"),
]


def open_page(visitors: Visitors, spec: PageSpec, locale: str) -> tuple[Tab, Page]:
    tab = visitors.tab(spec.user)
    return tab, tab.open(spec.url(visitors.server, locale))


# Every piece of text a user can meet on the page: text nodes (also those shown only after an
# interaction, such as <option>s and [hidden] parts), the text of small inline groups (so a
# formatted "Client <bdi>K7Q3-M9XP</bdi>" is seen whole, as "Client \ue000"), the page title
# and the attributes that are read aloud or shown as tooltips. Left out: language names in the switcher,
# <bdi> islands (codes, dates, numbers, user names) and anything marked translate="no".
COLLECT_TEXT = """() => {
  // Text in an element with a lang of its own (a language named in itself) is not page text.
  const SKIP = 'script, style, template, noscript, .langs, bdi, [translate="no"], body [lang]';
  const INLINE = new Set(['A', 'ABBR', 'B', 'BDI', 'BDO', 'CODE', 'EM', 'I', 'SMALL', 'SPAN',
                          'STRONG', 'TIME', 'KBD']);
  const clean = (text) => (text || '').replace(/\\s+/g, ' ').trim();
  const where = (el) => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
      (el.classList.length ? '.' + [...el.classList].join('.') : '');
  const found = [];
  const add = (text, el) => { text = clean(text); if (/\\p{L}/u.test(text)) found.push([text, where(el)]); };
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const el = node.parentElement;
    if (el && !el.closest(SKIP)) add(node.data, el);
  }
  // An element's text with each island of data (<bdi>, translate="no", a lang of its own) as
  // one private-use character, U+E000.
  const flat = (el) => [...el.childNodes].map((n) => n.nodeType === Node.TEXT_NODE ? n.data :
      n.nodeType !== Node.ELEMENT_NODE ? '' : n.matches(SKIP) ? '\ue000' : flat(n)).join('');
  for (const el of document.body.querySelectorAll('*')) {
    if (el.closest(SKIP) || INLINE.has(el.tagName)) continue;
    const kids = [...el.children];
    if (kids.length && kids.every((k) => INLINE.has(k.tagName)) && el.textContent.length < 300)
      add(flat(el), el);
  }
  for (const el of document.querySelectorAll('[aria-label], [title], [placeholder], [alt], ' +
                                             'input[type=submit][value], input[type=button][value]')) {
    if (el.closest(SKIP)) continue;
    for (const name of ['aria-label', 'title', 'placeholder', 'alt'])
      if (el.hasAttribute(name)) add(el.getAttribute(name), el);
    if (el.matches('input[type=submit], input[type=button]')) add(el.value, el);
  }
  add(document.title.replace(/ · MRC$/, ''), document.querySelector('title'));
  return found;
}"""

# Is the page wider than the window? If so, which elements stick out (for the message).
OVERFLOW = """() => {
  const doc = document.documentElement;
  const width = window.innerWidth;
  if (doc.scrollWidth <= width + 1) return null;
  const culprits = [];
  for (const el of document.body.querySelectorAll('*')) {
    if (el.closest('.skip, .visually-hidden')) continue;
    const box = el.getBoundingClientRect();
    if (box.width && (box.right > width + 1 || box.left < -1)) {
      const name = el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
          (el.classList.length ? '.' + [...el.classList].join('.') : '');
      culprits.push(name + ' [' + Math.round(box.left) + ', ' + Math.round(box.right) + ']');
    }
  }
  return {scrollWidth: doc.scrollWidth, width: width, culprits: culprits.slice(-8)};
}"""


def overflow(page: Page) -> dict[str, Any] | None:
    result: dict[str, Any] | None = page.evaluate(OVERFLOW)
    return result


def screenshot(page: Page, locale: str, name: str) -> None:
    page.screenshot(path=artifact("screenshots", locale, f"{name}.png"), full_page=True,
                    animations="disabled")


def at_phone_width(page: Page) -> None:
    page.set_viewport_size(PHONE)
