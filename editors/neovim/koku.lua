-- Neovim setup for .koku files: filetype, highlighting (syntax/koku.vim) and
-- the kokuc language server. Put editors/neovim on the runtimepath, e.g. in
-- init.lua:
--
--   vim.opt.runtimepath:append("/path/to/kokuc/editors/neovim")
--   require("koku").setup()
--
-- With nvim-lspconfig instead of vim.lsp.start, see README.md in this folder.
local M = {}

function M.setup(opts)
  opts = opts or {}
  vim.filetype.add({ extension = { koku = "koku" } })
  vim.api.nvim_create_autocmd("FileType", {
    pattern = "koku",
    callback = function(args)
      vim.bo[args.buf].commentstring = "# %s"
      vim.lsp.start({
        name = "kokuc",
        cmd = { opts.cmd or "kokuc", "lsp" },
        root_dir = vim.fs.root(args.buf, { ".git", "stacks" }) or vim.fn.getcwd(),
        init_options = { allProfiles = opts.all_profiles ~= false },
      })
    end,
  })
end

return M
