-- The flow language server (`flowc lsp`) for Neovim.
--
--   require('flow').setup()                           -- flowc on PATH
--   require('flow').setup({ cmd = { '/path/to/flowc', 'lsp' } })
--
-- After setup, every buffer whose filetype is `flow` gets diagnostics as you type, hover
-- (K), go to definition, references, completion, document symbols and rename through
-- Neovim's built-in LSP client. One server runs per project root (the nearest directory with
-- a .git, else the file's directory).
local M = {}

M.config = nil
local clients = {} -- root directory -> client id (Neovim 0.7, which has no vim.lsp.start)

local defaults = {
  name = 'flowc',
  cmd = { 'flowc', 'lsp' },
}

function M.root_dir(path)
  local dir = vim.fn.fnamemodify(path, ':p:h')
  local git = vim.fn.finddir('.git', dir .. ';')
  if git ~= '' then
    return vim.fn.fnamemodify(git, ':p:h:h')
  end
  return dir
end

-- Starts (or reuses) the server for buffer `bufnr` and attaches it. Does nothing before setup().
function M.start(bufnr)
  if not M.config then
    return nil
  end
  local path = vim.api.nvim_buf_get_name(bufnr)
  local root = M.root_dir(path ~= '' and path or vim.fn.getcwd())
  local config = vim.tbl_deep_extend('force', {}, M.config, { root_dir = root })
  if vim.lsp.start then
    return vim.api.nvim_buf_call(bufnr, function()
      return vim.lsp.start(config)
    end)
  end
  local id = clients[root]
  if not id or not vim.lsp.get_client_by_id(id) then
    id = vim.lsp.start_client(config)
    clients[root] = id
  end
  if id then
    vim.lsp.buf_attach_client(bufnr, id)
  end
  return id
end

function M.setup(opts)
  M.config = vim.tbl_deep_extend('force', defaults, opts or {})
  -- Buffers opened before setup ran.
  for _, buf in ipairs(vim.api.nvim_list_bufs()) do
    if vim.api.nvim_buf_is_loaded(buf) and vim.bo[buf].filetype == 'flow' then
      M.start(buf)
    end
  end
end

return M
