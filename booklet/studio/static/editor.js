// booklet studio: the figure editor (issue 19), on the studio page at /figure/<slug>/<figure file>.
//
// The picture is the figure rendered by booklet itself (the server renders it after each
// change); over it an SVG layer in the rendered picture's pixels holds the handles: markers,
// zone points, callout anchors and labels, the tap targets at their size on an 820 px page,
// an optional 0..1 grid. Every change is sent to the server as a list of operations; the
// server writes the figure file (or refuses, with the reason) and answers with the figure as
// it now is. The studio's watcher rebuilds the booklet and the reader pane beside follows.
// On any other page of the studio this script only adds a menu of the booklet's figures.
const SVG = 'http://www.w3.org/2000/svg'
const [mode, slug, ...rest] = location.pathname.split('/').filter(Boolean).map(decodeURIComponent)
const file = rest.join('/')
const api = `/api/figure/${encodeURIComponent(slug)}/${rest.map(encodeURIComponent).join('/')}`
const $ = selector => document.querySelector(selector)
const el = (tag, attrs = {}, ...children) => {
    const node = tag.startsWith('svg:') ? document.createElementNS(SVG, tag.slice(4)) : document.createElement(tag)
    for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, value)
    node.append(...children)
    return node
}
const round = v => Math.round(v * 1000) / 1000

let fig = null           // the figure as the server last sent it
let selected = null      // {table, index, vertex?}
let tool = 'select'      // select | marker | zone | callout
let pending = []         // points clicked so far for a new zone or callout
let drag = null

// --- talking to the server -----------------------------------------------------------------

const load = async () => {
    const response = await fetch(api)
    const data = await response.json()
    if (JSON.stringify(data) !== JSON.stringify(fig)) show(data)    // unchanged: keep the form as it is
}

const send = async edit => {
    const response = await fetch(api, { method: 'POST', headers: { 'Content-Type': 'application/json' },
                                        body: JSON.stringify(edit) })
    const answer = response.headers.get('content-type')?.includes('json') ? await response.json()
        : { refused: await response.text() }
    if (answer.figure) show(answer.figure)
    message(answer.refused ?? 'saved', answer.refused ? 'refused' : 'saved')
    document.body.dataset.editorAnswers = String(Number(document.body.dataset.editorAnswers ?? 0) + 1)
    return !answer.refused
}
const change = ops => send({ ops })

const message = (text, kind) => {
    const box = $('#editor-message')
    box.textContent = text
    box.dataset.kind = kind
}

// --- drawing ---------------------------------------------------------------------------------

const show = data => {
    fig = data
    if (selected && !(fig[selected.table + 's'] ?? [])[selected.index]) selected = null
    $('#editor-undo').disabled = !fig.undo
    if (fig.error) {
        message(fig.error, 'error')         // the file as it is on disk does not load: say why
        $('#editor-svg').replaceChildren()
        $('#editor-form').replaceChildren()
        return
    }
    draw()
    fillForm()
}

const draw = () => {
    const svg = $('#editor-svg')
    const { width: W, height: H } = fig
    svg.setAttribute('viewBox', `0 0 ${W} ${H}`)
    svg.style.aspectRatio = `${W} / ${H}`
    const unit = 1 / (svg.getScreenCTM()?.a || 1)        // picture pixels per screen pixel
    const at = (x, y) => ({ cx: x * W, cy: y * H })
    const layers = [picture(W, H)]
    if ($('#editor-grid').checked) layers.push(grid(W, H, unit))
    fig.zones.forEach((z, i) => layers.push(el('svg:path', { d: z.path, class: 'zone' + (isSel('zone', i) ? ' selected' : ''),
        'data-handle': 'zone', 'data-index': i, 'stroke-width': 2 * unit })))
    if ($('#editor-taps').checked) layers.push(taps(at))
    layers.push(labels())
    fig.callouts.forEach((c, i) => layers.push(callout(c, i, at, unit)))
    fig.markers.forEach((m, i) => layers.push(handle('marker', i, null, at(m.x, m.y), 11 * unit, 'marker', m.id)))
    if (selected?.table === 'zone') layers.push(vertices(fig.zones[selected.index], selected.index, at, unit))
    if (pending.length) layers.push(pendingShape(at, unit))
    svg.replaceChildren(...layers)
}

// The rendered figure. A new rendering is loaded aside and swapped in once it is there, so
// the picture never goes blank while the server draws it.
let loaded = null        // the URL of the rendering on screen
const picture = (W, H) => {
    const image = el('svg:image', { href: loaded ?? fig.image, width: W, height: H, 'data-src': fig.image })
    if (loaded !== fig.image) {
        const next = new Image()
        const wanted = fig.image
        next.onload = () => {
            loaded = wanted
            const shown = $('#editor-svg image')
            if (shown && fig.image === wanted) shown.setAttribute('href', wanted)
        }
        next.src = wanted
    }
    return image
}

const isSel = (table, index) => selected?.table === table && selected.index === index

const handle = (kind, index, vertex, c, r, cls, title) => {
    const circle = el('svg:circle', { cx: c.cx, cy: c.cy, r, class: 'handle ' + cls + (isSel(kind, index) && kind !== 'zone' ? ' selected' : ''),
                                      'data-handle': kind, 'data-index': index })
    if (vertex !== null) circle.dataset.vertex = vertex
    if (title) circle.append(el('svg:title', {}, title))
    return circle
}

const grid = (W, H, unit) => {
    const g = el('svg:g', { class: 'grid' })
    for (let k = 0; k <= 20; k++) {
        const major = k % 2 === 0
        const width = (major ? 1.5 : 0.75) * unit
        g.append(el('svg:line', { x1: k * W / 20, y1: 0, x2: k * W / 20, y2: H, 'stroke-width': width }),
                 el('svg:line', { x1: 0, y1: k * H / 20, x2: W, y2: k * H / 20, 'stroke-width': width }))
        if (major && k > 0 && k < 20) {
            const size = 11 * unit
            g.append(el('svg:text', { x: k * W / 20 + 2 * unit, y: size + 2 * unit, 'font-size': size }, (k / 20).toFixed(1)),
                     el('svg:text', { x: 2 * unit, y: k * H / 20 - 2 * unit, 'font-size': size }, (k / 20).toFixed(1)))
        }
    }
    return g
}

// The tap targets as a reader meets them: 44 CSS px rings when the figure fills an 820 px page.
const taps = at => {
    const g = el('svg:g', { class: 'taps' })
    const ring = (x, y) => g.append(el('svg:circle', { ...at(x, y), r: fig.tapRadius }))
    fig.markers.forEach(m => ring(m.x, m.y))
    fig.zones.forEach(z => ring(...z.tap))
    return g
}

// The callout text exactly as the markup writes it (live SVG text over the picture).
const labels = () => {
    const g = el('svg:g', { class: 'labels' })
    if (!fig.labels) return g
    const parsed = new DOMParser().parseFromString(fig.labels, 'image/svg+xml').documentElement
    if (parsed.namespaceURI === SVG) g.append(document.importNode(parsed, true))
    return g
}

const callout = (c, i, at, unit) => {
    const a = at(...c.at), b = at(...c.labelAt)
    return el('svg:g', { class: 'callout' },
        el('svg:line', { x1: a.cx, y1: a.cy, x2: b.cx, y2: b.cy, 'stroke-width': 1.5 * unit }),
        handle('callout', i, 'at', a, 7 * unit, 'anchor', `${c.text}: the point it names`),
        handle('callout', i, 'label', b, 9 * unit, 'label-at', `${c.text}: where its text goes`))
}

const vertices = (zone, index, at, unit) => {
    const g = el('svg:g', { class: 'vertices' })
    const n = zone.points.length
    zone.points.forEach((p, k) => {
        const q = zone.points[(k + 1) % n]
        const mid = handle('zone', index, `mid-${k}`, at((p[0] + q[0]) / 2, (p[1] + q[1]) / 2), 5 * unit, 'midpoint',
                           'drag or click to add a point here')
        g.append(mid)
    })
    zone.points.forEach((p, k) => {
        const h = handle('zone', index, k, at(...p), 8 * unit, 'vertex', `point ${k + 1}`)
        if (selected.vertex === k) h.classList.add('picked')
        g.append(h)
    })
    return g
}

const pendingShape = (at, unit) => {
    const points = pending.map(p => { const c = at(...p); return `${c.cx},${c.cy}` }).join(' ')
    const g = el('svg:g', { class: 'pending' }, el('svg:polyline', { points, 'stroke-width': 2 * unit }))
    pending.forEach(p => g.append(el('svg:circle', { ...at(...p), r: 6 * unit })))
    return g
}

// --- pointing --------------------------------------------------------------------------------

const fraction = e => {
    const svg = $('#editor-svg')
    const point = new DOMPoint(e.clientX, e.clientY).matrixTransform(svg.getScreenCTM().inverse())
    return [round(Math.min(1, Math.max(0, point.x / fig.width))), round(Math.min(1, Math.max(0, point.y / fig.height)))]
}

const onDown = e => {
    if (!fig || fig.error || e.button !== 0) return
    $('#editor-svg').focus({ preventScroll: true })     // so that the editor's keys reach it
    const target = e.target.closest('[data-handle]')
    if (tool !== 'select' || !target) return
    e.preventDefault()
    const { handle: table, index, vertex } = target.dataset
    drag = { table, index: Number(index), vertex, target, start: fraction(e), moved: false }
    try {
        $('#editor-svg').setPointerCapture(e.pointerId)    // keeps the drag when the pointer leaves the picture
    } catch { /* a synthetic event has no pointer to capture */ }
}

const onMove = e => {
    if (!fig || fig.error) return
    const [x, y] = fraction(e)
    $('#editor-where').textContent = `x = ${x.toFixed(3)}, y = ${y.toFixed(3)}`
    if (!drag || drag.table === 'zone' && drag.vertex === undefined) return
    drag.moved = drag.moved || Math.hypot(x - drag.start[0], y - drag.start[1]) > 0.002
    drag.target.setAttribute('cx', x * fig.width)
    drag.target.setAttribute('cy', y * fig.height)
    drag.to = [x, y]
    preview(drag)
}

// While a zone point or a callout end is dragged, its outline or leader line follows (straight
// edges: the smooth curve is drawn again by the server when the point is dropped).
const preview = ({ table, index, vertex, target, to }) => {
    const px = p => `${p[0] * fig.width},${p[1] * fig.height}`
    if (table === 'zone' && !String(vertex).startsWith('mid-')) {
        const points = fig.zones[index].points.map((p, k) => k === Number(vertex) ? to : p)
        $(`#editor-svg path.zone[data-index="${index}"]`)?.setAttribute('d', 'M' + points.map(px).join(' L') + ' Z')
    }
    if (table === 'callout') {
        const line = target.parentNode.querySelector('line')
        const [x, y] = px(to).split(',')
        line.setAttribute(vertex === 'at' ? 'x1' : 'x2', x)
        line.setAttribute(vertex === 'at' ? 'y1' : 'y2', y)
    }
}

const onUp = e => {
    const d = drag
    drag = null
    if (!fig || fig.error) return
    if (!d) return onClick(e)
    if (d.moved) return dropped(d)
    // A click on a mark selects it; on a midpoint it adds a point there.
    if (d.table === 'zone' && d.vertex?.startsWith('mid-')) return insertPoint(d.index, Number(d.vertex.slice(4)), fraction(e))
    select({ table: d.table, index: d.index, vertex: d.vertex !== undefined && !isNaN(d.vertex) ? Number(d.vertex) : undefined })
}

const dropped = ({ table, index, vertex, to }) => {
    if (table === 'marker') return change(['x', 'y'].map((key, k) => ({ op: 'set', table, index, key, value: to[k] })))
    if (table === 'callout') return change([{ op: 'set', table, index, key: vertex === 'at' ? 'at' : 'label_at', value: to }])
    if (vertex.startsWith('mid-')) return insertPoint(index, Number(vertex.slice(4)), to)
    const points = fig.zones[index].points.map((p, k) => k === Number(vertex) ? to : p)
    selected = { table, index, vertex: Number(vertex) }
    return change([{ op: 'set', table, index, key: 'points', value: points }])
}

const insertPoint = (index, after, point) => {
    const points = [...fig.zones[index].points]
    points.splice(after + 1, 0, point)
    selected = { table: 'zone', index, vertex: after + 1 }
    return change([{ op: 'set', table: 'zone', index, key: 'points', value: points }])
}

const removePoint = () => {
    if (selected?.table !== 'zone' || selected.vertex === undefined) return
    const points = fig.zones[selected.index].points.filter((_, k) => k !== selected.vertex)
    selected = { table: 'zone', index: selected.index }
    return change([{ op: 'set', table: 'zone', index: selected.index, key: 'points', value: points }])
}

const onClick = e => {
    const point = fraction(e)
    if (tool === 'marker') return addMarker(point)
    if (tool === 'zone') { pending.push(point); draw(); $('#editor-finish').disabled = pending.length < 3; return }
    if (tool === 'callout') {
        pending.push(point)
        if (pending.length < 2) return draw()
        const [at, labelAt] = pending
        pending = []
        return add('callout', { text: 'Label', at, label_at: labelAt })
    }
    select(null)
}

const fresh = (prefix, taken) => {
    for (let n = 1; ; n++) if (!taken.includes(`${prefix}-${n}`)) return `${prefix}-${n}`
}
const ids = () => [...fig.markers.map(m => m.id), ...fig.zones.map(z => z.id)]

const addMarker = ([x, y]) => {
    const id = fresh('tp', ids())
    return add('marker', { id, label: `Trigger point ${id.slice(3)}`, x, y })
}

const finishZone = () => {
    if (pending.length < 3) return
    const owner = zoneOwner
    const value = { id: fresh('zone', ids()), points: pending, kind: 'essential', for: owner,
                    smooth: $('#editor-smooth').checked || null }
    pending = []
    $('#editor-finish').disabled = true
    return add('zone', value)
}

const add = async (table, value) => {
    const count = fig[table + 's'].length
    if (await change([{ op: 'add', table, value }])) select({ table, index: count })
}

// Arrow keys move the selected marker or zone point by 0.001 (with Shift 0.01); the file is
// written once the keys rest, not at every step.
let nudging = null
const nudge = (dx, dy) => {
    const clamp = v => round(Math.min(1, Math.max(0, v)))
    if (selected?.table === 'marker') {
        const m = fig.markers[selected.index]
        ;[m.x, m.y] = [clamp(m.x + dx), clamp(m.y + dy)]
    } else if (selected?.table === 'zone' && selected.vertex !== undefined) {
        const p = fig.zones[selected.index].points[selected.vertex]
        ;[p[0], p[1]] = [clamp(p[0] + dx), clamp(p[1] + dy)]
    } else return
    draw()
    clearTimeout(nudging)
    nudging = setTimeout(() => {
        const { table, index } = selected
        if (table === 'marker') {
            const m = fig.markers[index]
            return change([{ op: 'set', table, index, key: 'x', value: m.x }, { op: 'set', table, index, key: 'y', value: m.y }])
        }
        return change([{ op: 'set', table, index, key: 'points', value: fig.zones[index].points }])
    }, 500)
}

// --- the tools and the side form ----------------------------------------------------------------

let zoneOwner = null     // the marker selected when the zone tool was picked: the new zone's `for`

const pick = name => {
    if (name === 'zone') zoneOwner = selected?.table === 'marker' ? fig.markers[selected.index].id : null
    tool = name
    pending = []
    $('#editor-finish').disabled = true
    document.querySelectorAll('[data-tool]').forEach(b => b.setAttribute('aria-pressed', String(b.dataset.tool === name)))
    $('#editor-svg').dataset.tool = name
    if (fig && !fig.error) draw()
}

const select = which => {
    selected = which
    draw()
    fillForm()
}

const FIELDS = {
    marker: [['id', 'Id'], ['label', 'Label'], ['note', 'Note', 'textarea']],
    zone: [['id', 'Id'], ['label', 'Label'], ['note', 'Note', 'textarea'], ['kind', 'Kind', 'kind'], ['for', 'For', 'for'],
           ['smooth', 'Smooth curve', 'checkbox']],
    callout: [['text', 'Text', 'textarea']],
}

const fillForm = () => {
    const form = $('#editor-form')
    const fields = []
    if (!selected) {
        fields.push(el('p', { class: 'note' }, 'Pick a tool above, or click a mark to select it and drag it.'))
        if (!fig.legendIsTable) fields.push(legendField())
    } else {
        const item = fig[selected.table + 's'][selected.index]
        const written = item.written ?? {}
        fields.push(el('h3', {}, `${selected.table} ${item.id ?? item.text}`, el('span', { class: 'line' }, ` line ${item.line}`)))
        for (const [key, label, kind] of FIELDS[selected.table]) fields.push(field(key, label, kind, written, item))
        if (selected.table === 'zone') {
            const remove = el('button', { type: 'button', id: 'editor-remove-point' }, 'Remove point')
            remove.disabled = selected.vertex === undefined
            remove.addEventListener('click', removePoint)
            fields.push(remove)
        }
        const drop = el('button', { type: 'button', id: 'editor-delete' }, `Delete this ${selected.table}`)
        drop.addEventListener('click', () => { const { table, index } = selected; selected = null; change([{ op: 'remove', table, index }]) })
        fields.push(drop)
    }
    if (fig.warnings.length) fields.push(el('ul', { class: 'warnings' }, ...fig.warnings.map(w => el('li', {}, w))))
    form.replaceChildren(...fields)
}

const field = (key, label, kind, written, item) => {
    const id = `editor-field-${key}`
    let input
    if (kind === 'kind' || kind === 'for') {
        const options = kind === 'kind' ? ['essential', 'spillover'] : ['', ...fig.markers.map(m => m.id)]
        input = el('select', { id }, ...options.map(o => new Option(o || '(no marker)', o)))
        input.value = written[key] ?? (kind === 'kind' ? 'essential' : '')
    } else if (kind === 'checkbox') {
        input = el('input', { id, type: 'checkbox' })
        input.checked = Boolean(written[key])
    } else {
        input = el(kind === 'textarea' ? 'textarea' : 'input', { id, rows: 3 })
        input.value = written[key] ?? ''
        input.placeholder = item[key] ?? ''
    }
    input.addEventListener('change', () => setField(key, kind, input))
    return el('label', { class: 'field' }, label, input)
}

const setField = (key, kind, input) => {
    const { table, index } = selected
    const required = key === 'id' || key === 'text' || (table === 'marker' && key === 'label')
    let value = kind === 'checkbox' ? (input.checked || null) : input.value
    if (value === '' && !required) value = null
    const ops = [{ op: 'set', table, index, key, value }]
    if (table === 'marker' && key === 'id') {       // the zones of a renamed marker follow it
        const old = fig.markers[index].id
        fig.zones.forEach((z, i) => z.for === old && ops.push({ op: 'set', table: 'zone', index: i, key: 'for', value }))
    }
    return change(ops)
}

const legendField = () => {
    const input = el('select', { id: 'editor-field-legend' },
        ...['top-left', 'top-right', 'bottom-left', 'bottom-right', 'none'].map(p => new Option(p, p)))
    input.value = fig.legend
    input.addEventListener('change', () => change([{ op: 'set', key: 'legend', value: input.value }]))
    return el('label', { class: 'field' }, 'Legend corner', input)
}

// --- the editor's place on the studio page ------------------------------------------------------

const build = () => {
    document.body.classList.add('editing')
    const tools = [['select', 'Select / drag'], ['marker', 'Add marker'], ['zone', 'Add zone'], ['callout', 'Add callout']]
    const bar = el('div', { class: 'editor-tools' },
        ...tools.map(([name, label]) => el('button', { type: 'button', 'data-tool': name, 'aria-pressed': 'false' }, label)),
        el('label', {}, el('input', { type: 'checkbox', id: 'editor-smooth' }), ' smooth'),
        el('button', { type: 'button', id: 'editor-finish', disabled: '' }, 'Finish zone'),
        el('button', { type: 'button', id: 'editor-undo', disabled: '' }, 'Undo'),
        el('label', {}, el('input', { type: 'checkbox', id: 'editor-grid' }), ' grid'),
        el('label', {}, el('input', { type: 'checkbox', id: 'editor-taps', checked: '' }), ' tap targets'))
    const section = el('section', { id: 'editor', class: 'editor', 'aria-label': 'Figure editor' },
        el('h2', {}, 'Figure ', el('code', {}, `images/${slug}/${file}`)), bar,
        el('p', { id: 'editor-message', class: 'editor-message', role: 'status' }, ''),
        el('div', { class: 'editor-body' },
            el('div', { class: 'editor-canvas' }, el('svg:svg', { id: 'editor-svg', 'data-tool': 'select', tabindex: '0',
                                                                'aria-label': 'The figure: click and drag to edit' })),
            el('div', { class: 'editor-side' }, el('p', { id: 'editor-where', class: 'note' }, ' '),
               el('form', { id: 'editor-form' }))))
    $('.work').prepend(section)
    bar.querySelectorAll('[data-tool]').forEach(b => b.addEventListener('click', () => pick(b.dataset.tool)))
    $('#editor-finish').addEventListener('click', finishZone)
    $('#editor-undo').addEventListener('click', () => send({ undo: true }))
    $('#editor-grid').addEventListener('change', draw)
    $('#editor-taps').addEventListener('change', draw)
    $('#editor-form').addEventListener('submit', e => e.preventDefault())
    const svg = $('#editor-svg')
    svg.addEventListener('pointerdown', onDown)
    svg.addEventListener('pointermove', onMove)
    svg.addEventListener('pointerup', onUp)
    // Keys typed in the editor are the editor's: the reader's arrow keys must not turn its pages.
    section.addEventListener('keydown', e => { onKey(e); e.stopPropagation() })
    new ResizeObserver(() => fig && !fig.error && draw()).observe(svg)
    pick('select')
}

const ARROWS = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] }

const onKey = e => {
    const typing = ['INPUT', 'TEXTAREA', 'SELECT'].includes(e.target.tagName)
    if (e.key === 'Escape') pick('select')
    if (typing) return
    if (ARROWS[e.key]) {
        e.preventDefault()
        nudge(...ARROWS[e.key].map(d => d * (e.shiftKey ? 0.01 : 0.001)))
    }
    if (e.key === 'Enter' && tool === 'zone') finishZone()
    if ((e.key === 'Delete' || e.key === 'Backspace') && selected?.vertex !== undefined) removePoint()
    if (e.key === 'z' && (e.ctrlKey || e.metaKey)) send({ undo: true })
}

// Elsewhere in the studio: a menu that opens the editor on any figure of the booklet.
const figureMenu = async () => {
    const state = await (await fetch(`/api/state/${encodeURIComponent(slug)}`)).json()
    const names = Object.keys(state.figures ?? {}).sort()
    if (!names.length) return
    const menu = el('select', { id: 'edit-figure', 'aria-label': 'Edit a figure' },
        new Option('Edit a figure…', ''), ...names.map(n => new Option(n, n)))
    menu.addEventListener('change', () => { if (menu.value) location.href = `/figure/${encodeURIComponent(slug)}/${menu.value}` })
    $('#status').before(menu)
}

if (mode === 'figure' && file) {
    build()
    load()
    // Any rebuild (this editor's saves, or the file saved in another editor) may change the figure.
    new EventSource(`/api/events/${encodeURIComponent(slug)}`).addEventListener('state', () => load())
} else if (slug && !new URLSearchParams(location.search).has('bare')) {
    figureMenu()
}
