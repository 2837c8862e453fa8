-- Run by nvim_test.py in `nvim --headless` with editors/nvim on the runtimepath. Opens the
-- file in $FLOW_TEST_FILE, then the broken copy in $FLOW_TEST_BROKEN, drives the language
-- server through Neovim's own LSP client and writes what it saw to $FLOW_TEST_OUT as JSON.
local out = { errors = {} }
local published = {} -- URI -> number of publishDiagnostics received

local function finish()
  local f = io.open(os.getenv('FLOW_TEST_OUT'), 'w')
  f:write(vim.fn.json_encode(out))
  f:close()
  vim.cmd('qall!')
end

local function check(ok, what)
  if not ok then
    table.insert(out.errors, what)
  end
  return ok
end

local original = vim.lsp.handlers['textDocument/publishDiagnostics']
vim.lsp.handlers['textDocument/publishDiagnostics'] = function(err, result, ctx, config)
  published[result.uri] = (published[result.uri] or 0) + 1
  return original(err, result, ctx, config)
end

local function open_and_wait(path)
  vim.cmd('edit ' .. vim.fn.fnameescape(path))
  local uri = vim.uri_from_fname(vim.fn.fnamemodify(path, ':p'))
  return vim.wait(20000, function()
    return (published[uri] or 0) > 0
  end, 50)
end

-- The first line holding `needle`, and the 0-based column just inside it.
local function find(needle)
  for i, line in ipairs(vim.api.nvim_buf_get_lines(0, 0, -1, false)) do
    local col = line:find(needle, 1, true)
    if col then
      return i - 1, col
    end
  end
  return nil
end

local function request(method, line, col)
  local params = {
    textDocument = vim.lsp.util.make_text_document_params(),
    position = { line = line, character = col },
  }
  local responses = vim.lsp.buf_request_sync(0, method, params, 10000)
  for _, r in pairs(responses or {}) do
    if r.result then
      return r.result
    end
  end
  return nil
end

local function main()
  require('flow').setup({ cmd = { os.getenv('FLOW_TEST_FLOWC'), 'lsp' } })
  local file = os.getenv('FLOW_TEST_FILE')
  check(open_and_wait(file), 'no diagnostics were published for ' .. file)
  out.filetype = vim.bo.filetype
  out.syntax = vim.b.current_syntax
  out.clients = #vim.lsp.buf_get_clients(0)
  out.diagnostics = #vim.diagnostic.get(0)

  local line, col = find('backend-planner review')
  local hover = request('textDocument/hover', line, col)
  out.hover = hover and hover.contents.value or ''

  line, col = find('backend-validation-agent review')
  local loc = request('textDocument/definition', line, col)
  if check(loc ~= nil, 'no definition') then
    if vim.tbl_islist(loc) then
      loc = loc[1]
    end
    vim.lsp.util.jump_to_location(loc, 'utf-16')
    out.jumped_to = vim.api.nvim_buf_get_name(0)
    out.jumped_line = vim.api.nvim_win_get_cursor(0)[1]
    vim.cmd('edit ' .. vim.fn.fnameescape(file))
  end

  line, col = find('review code-review retries 2;')
  local items = request('textDocument/completion', line, col + #'review')
  out.completion = {}
  for _, item in ipairs(items and (items.items or items) or {}) do
    table.insert(out.completion, item.label)
  end

  local broken = os.getenv('FLOW_TEST_BROKEN')
  check(open_and_wait(broken), 'no diagnostics were published for ' .. broken)
  out.broken = {}
  for _, d in ipairs(vim.diagnostic.get(0)) do
    table.insert(out.broken, { code = d.code, lnum = d.lnum, col = d.col, message = d.message })
  end
end

local ok, err = pcall(main)
check(ok, tostring(err))
finish()
