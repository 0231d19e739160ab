vim.filetype.add({ extension = { koku = "koku" } })
