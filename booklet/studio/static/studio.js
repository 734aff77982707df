// booklet studio: the reader pane (foliate-js), live rebuilds, the build-error overlay and the findings.
//
// The server pushes the booklet's state (version, build error, findings) as server-sent
// events; a new version is opened in a fresh foliate-js view at the place the reader was
// (the last CFI), which replaces the old view only once it is laid out, so the page
// never flashes blank. The booklet's files come from /book/<slug>/<content hash>/<path>.
import './foliate-js/view.js'
import { EPUB } from './foliate-js/epub.js'
import { FootnoteHandler } from './foliate-js/footnotes.js'

const $ = selector => document.querySelector(selector)
const [, slug, ...rest] = location.pathname.split('/').filter(Boolean).map(decodeURIComponent)
const target = rest.join('/')
const THEMES = { light: ['#ffffff', '#1e1e1e'], sepia: ['#f4ecd8', '#4a3b2a'], night: ['#121212', '#e6e6e6'] }
// Settings: the last ones used, unless the URL sets them (?theme=night&orientation=landscape&scripts=0);
// ?bare shows the reader alone, for `booklet preview`'s screenshots.
const query = new URLSearchParams(location.search)
const settings = Object.assign({ theme: 'light', fontSize: 100, orientation: 'portrait', scripts: true },
    JSON.parse(localStorage.getItem('booklet-studio') || '{}'),
    Object.fromEntries(['theme', 'orientation'].filter(k => query.has(k)).map(k => [k, query.get(k)])),
    query.has('scripts') ? { scripts: query.get('scripts') !== '0' } : {})
if (query.has('bare')) document.body.classList.add('bare')

let state = null
let view = null
let shown = 0           // the version on screen
let place = null        // the reader's place: a CFI, or a section href before the first relocate
let opening = null      // the version being opened, while it is
const footnotes = new FootnoteHandler()

const save = () => query.has('bare') || localStorage.setItem('booklet-studio', JSON.stringify(settings))

// The reader's own style sheet, as a reading system adds one: theme, text size, notes hidden.
const readerCSS = () => {
    const [background, color] = THEMES[settings.theme]
    return `@namespace epub "http://www.idpf.org/2007/ops";
    html { background: ${background} !important; color: ${color} !important; font-size: ${settings.fontSize}% !important;
           color-scheme: ${settings.theme === 'night' ? 'dark' : 'light'}; }
    aside[epub|type~="footnote"], aside[epub|type~="endnote"], aside[epub|type~="rearnote"],
    aside[epub|type~="note"] { display: none; }`
}

// Files are named by their content: those a rebuild leaves alone come from the browser's cache.
const entryURL = (st, name) =>
    `/book/${encodeURIComponent(slug)}/${st.digests[name]}/` + name.split('/').map(encodeURIComponent).join('/')

const makeBook = st => {
    const has = name => Object.hasOwn(st.entries, name)
    const get = async name => {
        const response = await fetch(entryURL(st, name))
        if (!response.ok) throw new Error(`${name}: HTTP ${response.status}`)
        return response
    }
    return new EPUB({
        loadText: async name => has(name) ? (await get(name)).text() : null,
        loadBlob: async name => has(name) ? (await get(name)).blob() : null,
        getSize: name => st.entries[name] ?? 0,
        allowScript: settings.scripts,
    }).init()
}

const styleView = v => {
    v.renderer.setAttribute('flow', 'paginated')
    v.renderer.setAttribute('margin', '48px')
    v.renderer.setAttribute('gap', '6%')
    v.renderer.setAttribute('max-inline-size', '720px')
    v.renderer.setStyles?.(readerCSS())
}

// Where a freshly opened booklet starts: the last place, else the chapter or figure of the URL.
const startAt = async book => {
    if (place) return place
    if (target && state.chapters[target]) return state.chapters[target]
    if (target && state.figures[target]) return await findFigure(book, state.figures[target])
    return book.sections.findIndex(s => s.linear !== 'no')
}

const findFigure = async (book, image) => {
    const name = image.split('/').pop()
    for (const section of book.sections) {
        const doc = await section.createDocument()
        const img = [...doc.querySelectorAll('img')].find(i => (i.getAttribute('src') || '').endsWith(name))
        const figure = img?.closest('[id]')
        if (img) return figure ? `${section.id}#${figure.id}` : section.id
    }
    return 0
}

const openVersion = async st => {
    opening = st.version
    const book = await makeBook(st)
    const next = document.createElement('foliate-view')
    next.classList.add('loading')
    $('#device').prepend(next)
    await next.open(book)
    styleView(next)
    wire(next)
    const where = await startAt(book)
    try {
        await next.goTo(where)
    } catch (error) {
        // The place is gone (its chapter was removed): go to the start.
        console.warn('studio: place not found', where, error)
        await next.goTo(0)
    }
    const old = view
    view = next
    old?.close()            // stops its observers before its pages go
    old?.remove()
    next.classList.remove('loading')
    shown = st.version
    document.body.dataset.shown = String(shown)
    fillContents(book)
    $('#title').textContent = book.metadata?.title?.toString?.() ?? slug
}

const wire = v => {
    v.addEventListener('relocate', e => {
        if (v !== view) return
        place = e.detail.cfi ?? place
        document.body.dataset.section = String(e.detail.section?.current ?? '')
        const href = e.detail.tocItem?.href
        if (href && [...$('#contents').options].some(o => o.value === href)) $('#contents').value = href
    })
    v.addEventListener('link', e => footnotes.handle(v.book, e)?.catch(error => console.warn(error)))
    v.addEventListener('load', e => keys(e.detail.doc))
}

// One open at a time; a version that arrives meanwhile is opened right after.
const showLatest = async () => {
    if (opening !== null) return
    while (state && !state.error && state.version && state.version !== shown) {
        try {
            await openVersion(state)
        } catch (error) {
            console.error('studio: could not open the booklet', error)
            break
        } finally {
            opening = null
        }
    }
}

// --- popups: footnotes, glossary terms and tap targets, as a reading system shows them ---

footnotes.addEventListener('before-render', e => {
    const { view: note } = e.detail
    $('#popup').hidden = false
    note.addEventListener('link', ev => ev.preventDefault())
    note.renderer.setAttribute('flow', 'scrolled')
    note.renderer.setAttribute('margin', '0px')
    note.renderer.setAttribute('gap', '5%')
    note.renderer.setStyles?.(readerCSS())
    $('#popup-body').querySelectorAll('foliate-view').forEach(old => old.close())
    $('#popup-body').replaceChildren(note)
})
footnotes.addEventListener('render', e => {
    $('#popup').hidden = false
    $('#popup').dataset.href = e.detail.href
})
const closePopup = () => {
    $('#popup').hidden = true
    $('#popup-body').querySelectorAll('foliate-view').forEach(note => note.close())
    $('#popup-body').replaceChildren()
    delete $('#popup').dataset.href
}
$('#popup-close').addEventListener('click', closePopup)

// --- the controls -------------------------------------------------------------------------

const fillContents = book => {
    const select = $('#contents')
    const items = []
    const walk = (list, depth) => list?.forEach(item => {
        items.push([item.href, '\u2003'.repeat(depth) + (item.label ?? '').trim()])
        walk(item.subitems, depth + 1)
    })
    walk(book.toc, 0)
    select.replaceChildren(...items.map(([href, label]) => new Option(label, href)))
}

const applySettings = () => {
    document.body.dataset.theme = settings.theme
    $('#theme').value = settings.theme
    $('#orientation').value = settings.orientation
    $('#device').className = `device ${settings.orientation}`
    $('#size').textContent = `${settings.fontSize}%`
    $('#scripts').checked = settings.scripts
    view?.renderer.setStyles?.(readerCSS())
    save()
}

const keys = doc => doc.addEventListener('keydown', onKey)
const onKey = e => {
    if (e.key === 'ArrowLeft') view?.goLeft()
    if (e.key === 'ArrowRight') view?.goRight()
    if (e.key === 'Escape') closePopup()
}
document.addEventListener('keydown', onKey)
$('#prev').addEventListener('click', () => view?.goLeft())
$('#next').addEventListener('click', () => view?.goRight())
$('#contents').addEventListener('change', e => view?.goTo(e.target.value))
$('#theme').addEventListener('change', e => { settings.theme = e.target.value; applySettings() })
$('#orientation').addEventListener('change', e => { settings.orientation = e.target.value; applySettings() })
$('#smaller').addEventListener('click', () => { settings.fontSize = Math.max(60, settings.fontSize - 10); applySettings() })
$('#larger').addEventListener('click', () => { settings.fontSize = Math.min(200, settings.fontSize + 10); applySettings() })
$('#scripts').addEventListener('change', e => {
    settings.scripts = e.target.checked
    applySettings()
    shown = 0              // scripts are kept or stripped when the book loads: open it again
    showLatest()
})

// --- the build error overlay, the findings panel, the status line ---------------------------

const showError = st => {
    $('#overlay').hidden = !st.error
    $('#overlay-text').textContent = st.error ?? ''
    document.body.dataset.error = st.error ? 'yes' : 'no'
}

const showFindings = st => {
    const list = $('#findings')
    list.replaceChildren(...st.findings.map(f => {
        const item = document.createElement('li')
        item.className = f.severity
        item.dataset.code = f.code
        const where = Object.assign(document.createElement('span'), { className: 'where', textContent: f.where })
        const sev = Object.assign(document.createElement('span'), { className: 'sev', textContent: ` ${f.severity} ` })
        const text = document.createTextNode(`${f.message} [${f.tool} ${f.code}]`)
        item.append(where, sev, text)
        return item
    }))
    const note = st.checkProblem ?? (st.checking ? 'checking…'
        : st.findings.length ? '' : st.findingsVersion ? 'EPUBCheck and the lint found nothing.' : '')
    $('#findings-note').textContent = note
    document.body.dataset.findingsVersion = String(st.findingsVersion)
}

const showStatus = st => {
    const status = $('#status')
    status.classList.toggle('is-error', Boolean(st.error))
    status.textContent = st.error ? 'build failed' : st.checking ? `version ${st.version} · checking` : `version ${st.version}`
}

const onState = st => {
    state = st
    showError(st)
    showFindings(st)
    showStatus(st)
    showLatest()
}

// For scripts and tests: the view and the place, read-only.
window.studio = {
    get view() { return view },
    get shown() { return shown },
    get place() { return place },
    goTo: href => view?.goTo(href),
    // Resolves once the pages on screen have their fonts and images.
    ready: () => Promise.all((view?.renderer.getContents() ?? []).flatMap(({ doc }) =>
        [doc.fonts.ready, ...[...doc.images].map(image => image.decode().catch(() => null))])),
    // Which page of which section is on screen (foliate-js pads each section with a page either side).
    page: () => ({ section: view.lastLocation?.section?.current, page: view.renderer.page,
                   pages: view.renderer.pages - 2 }),
    next: () => view.next(),
    closePopup: () => closePopup(),
}

applySettings()
const events = new EventSource(`/api/events/${encodeURIComponent(slug)}`)
events.addEventListener('state', e => onState(JSON.parse(e.data)))
