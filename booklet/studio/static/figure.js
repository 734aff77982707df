// booklet studio's figure editor: drag markers, zone corners and callouts over the figure
// as the build draws it; each change goes to the server, which writes the figure file
// (keeping its comments and formatting) only if the result is valid, or says why not.
const $ = selector => document.querySelector(selector)
const SVG = 'http://www.w3.org/2000/svg'
const [, slug, ...rest] = location.pathname.split('/').filter(Boolean).map(decodeURIComponent)
const name = rest.join('/')
const api = `/api/figure/${encodeURIComponent(slug)}/${name.split('/').map(encodeURIComponent).join('/')}`
const TAP = 44                   // px: a tap target at its real size on an 820 px page
const FIELDS = { marker: ['id', 'label', 'note'], zone: ['id', 'label', 'kind', 'for', 'note'],
                 callout: ['text'] }

let figure = null
let selected = null              // {table, index, point?}
let dragging = false             // a redraw now would pull the handle from under the pointer
let stale = false                // the file changed during a drag: load it when the drag ends
let drawing = []                 // the corners of a zone being drawn, as fractions
let size = { width: 820, height: 820 }

const element = (tag, attributes = {}, parent = null) => {
    const el = document.createElementNS(SVG, tag)
    for (const [key, value] of Object.entries(attributes)) el.setAttribute(key, value)
    parent?.append(el)
    return el
}
const px = ([x, y]) => [x * size.width, y * size.height]
const fraction = event => {
    const box = $('#overlay').getBoundingClientRect()
    return [(event.clientX - box.left) / box.width, (event.clientY - box.top) / box.height]
}

// --- talking to the server ----------------------------------------------------------------

const load = async () => {
    if (dragging) {
        stale = true
        return
    }
    const response = await fetch(api)
    const data = await response.json()
    if (!response.ok) return refuse(data.error)
    figure = data
    $('#title').textContent = data.name
    $('#reader').href = data.reader
    await new Promise(resolve => {
        $('#picture').onload = resolve
        $('#picture').onerror = resolve
        $('#picture').src = data.image
    })
    draw()
    document.body.dataset.loaded = String(Number(document.body.dataset.loaded || 0) + 1)
}

const send = async change => {
    $('#status').textContent = 'saving…'
    const response = await fetch(api, { method: 'POST', headers: { 'Content-Type': 'application/json' },
                                         body: JSON.stringify(change) })
    const answer = await response.json().catch(() => ({ error: `HTTP ${response.status}` }))
    if (response.ok) {
        $('#refused').hidden = true
        $('#status').textContent = 'saved'
    } else {
        refuse(answer.error)
    }
    await load()
    return response.ok
}

const refuse = reason => {
    $('#refused').hidden = false
    $('#refused').textContent = `Not saved: ${reason}`
    $('#status').textContent = 'refused'
}

// --- drawing ------------------------------------------------------------------------------

const draw = () => {
    const overlay = $('#overlay')
    size = { width: overlay.clientWidth, height: overlay.clientHeight }
    overlay.setAttribute('viewBox', `0 0 ${size.width} ${size.height}`)
    overlay.replaceChildren()
    if ($('#grid').checked) drawGrid(overlay)
    figure.zones.forEach((zone, index) => drawZone(overlay, zone, index))
    figure.callouts.forEach((callout, index) => drawCallout(overlay, callout, index))
    figure.markers.forEach((marker, index) => drawMarker(overlay, marker, index))
    if (drawing.length) {
        element('polyline', { points: drawing.map(px).map(p => p.join(',')).join(' '), class: 'zone drawing' }, overlay)
        drawing.map(px).forEach(([x, y]) => element('rect', { x: x - 5, y: y - 5, width: 10, height: 10,
                                                              class: 'vertex' }, overlay))
    }
    $('#finish-zone').disabled = drawing.length < 3
}

const drawGrid = overlay => {
    const grid = element('g', { class: 'grid' }, overlay)
    for (let i = 0; i <= 20; i++) {
        const major = i % 2 === 0 ? 'major' : ''
        const [x, y] = px([i / 20, i / 20])
        element('line', { x1: x, y1: 0, x2: x, y2: size.height, class: major }, grid)
        element('line', { x1: 0, y1: y, x2: size.width, y2: y, class: major }, grid)
        if (major && i > 0 && i < 20) {
            element('text', { x: x + 2, y: 10 }, grid).textContent = (i / 20).toFixed(1)
            element('text', { x: 2, y: y - 2 }, grid).textContent = (i / 20).toFixed(1)
        }
    }
}

const isSelected = (table, index, point) => selected?.table === table && selected.index === index
    && (point === undefined || selected.point === point)

const drawMarker = (overlay, marker, index) => {
    const [x, y] = px([marker.x, marker.y])
    const tap = element('circle', { cx: x, cy: y, r: TAP / 2, class: 'tap', 'data-marker': index,
                                    'aria-label': marker.label ?? marker.id }, overlay)
    tap.classList.toggle('selected', isSelected('marker', index))
    draggable(tap, ([fx, fy]) => ({ op: 'move-marker', index, x: fx, y: fy }), () => select('marker', index))
}

const drawZone = (overlay, zone, index) => {
    const points = (zone.points ?? []).map(px)
    const polygon = element('polygon', { points: points.map(p => p.join(',')).join(' '), class: 'zone',
                                         'data-zone': index }, overlay)
    polygon.classList.toggle('selected', isSelected('zone', index))
    polygon.addEventListener('click', () => select('zone', index))
    points.forEach(([x, y], point) => {
        const vertex = element('rect', { x: x - 6, y: y - 6, width: 12, height: 12, class: 'vertex',
                                         'data-zone': index, 'data-point': point }, overlay)
        vertex.classList.toggle('selected', isSelected('zone', index, point))
        draggable(vertex, ([fx, fy]) => ({ op: 'move-point', zone: index, point, x: fx, y: fy }),
                  () => select('zone', index, point))
    })
}

const drawCallout = (overlay, callout, index) => {
    const at = px(callout.at ?? [0, 0])
    const label = callout.label_at ? px(callout.label_at) : null
    if (label) element('line', { x1: at[0], y1: at[1], x2: label[0], y2: label[1], class: 'leader' }, overlay)
    for (const [which, [x, y]] of [['at', at], ...(label ? [['label_at', label]] : [])]) {
        const handle = element('circle', { cx: x, cy: y, r: which === 'at' ? 7 : 10, class: 'handle',
                                           'data-callout': index, 'data-which': which }, overlay)
        handle.classList.toggle('selected', isSelected('callout', index))
        draggable(handle, ([fx, fy]) => ({ op: 'move-callout', index, which, x: fx, y: fy }),
                  () => select('callout', index))
    }
}

// Drag *el*; on release, send the change *toChange* makes of the new place (a tap selects).
const draggable = (el, toChange, onTap) => {
    el.addEventListener('pointerdown', down => {
        down.preventDefault()
        down.stopPropagation()
        el.setPointerCapture(down.pointerId)
        dragging = true
        const start = [down.clientX, down.clientY]
        let moved = false
        const move = event => {
            moved ||= Math.hypot(event.clientX - start[0], event.clientY - start[1]) > 3
            if (!moved) return
            const [x, y] = px(fraction(event))
            if (el.localName === 'circle') el.setAttribute('cx', x), el.setAttribute('cy', y)
            else el.setAttribute('x', x - 6), el.setAttribute('y', y - 6)
        }
        const up = event => {
            el.removeEventListener('pointermove', move)
            el.removeEventListener('pointerup', up)
            dragging = false
            if (moved) send(toChange(fraction(event)))
            else onTap()
            if (!moved && stale) load()
            stale = false
        }
        el.addEventListener('pointermove', move)
        el.addEventListener('pointerup', up)
    })
}

// --- the side form ------------------------------------------------------------------------

const select = (table, index, point) => {
    selected = { table, index, point }
    const entry = figure[`${table}s`][index]
    const form = $('#form')
    form.hidden = false
    $('#what').textContent = `[[${table}]] ${index + 1}` + (point !== undefined ? `, point ${point + 1}` : '')
    for (const field of ['id', 'label', 'kind', 'for', 'note', 'text']) {
        const input = form.elements[field]
        input.closest('label').hidden = !FIELDS[table].includes(field)
        input.value = entry[field] ?? ''
    }
    form.querySelectorAll('button.for-zone').forEach(b => { b.hidden = table !== 'zone' || point === undefined })
    draw()
}

$('#form').addEventListener('submit', async e => {
    e.preventDefault()
    const { table, index } = selected
    const entry = figure[`${table}s`][index]
    // Every field but id first: a new id would leave the others pointing at nothing.
    const fields = FIELDS[table].filter(f => f !== 'id').concat(FIELDS[table].includes('id') ? ['id'] : [])
    for (const field of fields) {
        const value = $('#form').elements[field].value
        if (value !== (entry[field] ?? '') && !await send({ op: 'set', table, index, field, value })) return
    }
})

$('#add-point').addEventListener('click', () => {
    const { index, point } = selected
    const points = figure.zones[index].points
    const [a, b] = [points[point], points[(point + 1) % points.length]]
    send({ op: 'add-point', zone: index, after: point, x: (a[0] + b[0]) / 2, y: (a[1] + b[1]) / 2 })
})
$('#remove-point').addEventListener('click', () =>
    send({ op: 'remove-point', zone: selected.index, point: selected.point }))

// --- the bar ------------------------------------------------------------------------------

$('#overlay').addEventListener('click', event => {
    if ($('#zoning').checked) {
        drawing.push(fraction(event))
        return draw()
    }
    if (!$('#adding').checked || event.target !== $('#overlay')) return
    const [x, y] = fraction(event)
    send({ op: 'add-marker', x, y })
})
const mode = () => {
    $('#stage').classList.toggle('adding', $('#adding').checked || $('#zoning').checked)
    if (!$('#zoning').checked) drawing = []
    if (figure) draw()
}
$('#adding').addEventListener('change', () => { $('#zoning').checked = false; mode() })
$('#zoning').addEventListener('change', () => { $('#adding').checked = false; mode() })
$('#finish-zone').addEventListener('click', async () => {
    const points = drawing
    drawing = []
    if (!await send({ op: 'add-zone', points })) drawing = points
    draw()
})
$('#grid').addEventListener('change', () => draw())
$('#undo').addEventListener('click', () => send({ op: 'undo' }))
window.addEventListener('resize', () => figure && draw())

// A figure file saved in another editor: draw it again.
const events = new EventSource(`/api/events/${encodeURIComponent(slug)}`)
let version = null
events.addEventListener('state', e => {
    const state = JSON.parse(e.data)
    if (version !== null && state.version !== version) load()
    version = state.version
})
load()
