/*
** memory.c: linear memories. An anonymous mapping of exactly the memory's
** size (grown with mremap), with explicit bounds checks in the interpreter:
** no address-space reservation or guard pages, and untouched pages cost no
** RAM, so a million small, mostly idle memories fit.
*/
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "instance.h"

#define MAX_PAGES 65536ull
#define OS_PAGE 4096u

static uint8_t *anon_map(uint64_t bytes) {
  void *p =
      mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  return p == MAP_FAILED ? NULL : p;
}

bool mem_init(rusm_memory *m, uint64_t min_pages, uint64_t max_pages) {
  memset(m, 0, sizeof *m);
  m->max_pages = max_pages > MAX_PAGES ? MAX_PAGES : max_pages;
  if (min_pages > m->max_pages) return false;
  if (min_pages) {
    m->data = anon_map(min_pages * INST_PAGE);
    if (!m->data) return false;
  }
  m->size = m->cap = min_pages * INST_PAGE;
  return true;
}

int64_t mem_grow(rusm_memory *m, uint64_t delta, uint64_t cap_bytes) {
  uint64_t old = m->size / INST_PAGE;
  if (delta == 0) return (int64_t)old;
  uint64_t np = old + delta;
  if (np > m->max_pages) return -1;
  if (cap_bytes && np * INST_PAGE > cap_bytes) return -1;
  uint64_t nbytes = np * INST_PAGE;
  if (m->map_len) {
    /* Leave the image mapping for an anonymous one: grown memories are rare. */
    uint8_t *nd = anon_map(nbytes);
    if (!nd) return -1;
    memcpy(nd, m->data, m->size);
    munmap(m->data, m->map_len);
    m->map_len = 0;
    m->data = nd;
    m->cap = m->size = nbytes;
    return (int64_t)old;
  }
  if (nbytes > m->cap) {
    uint64_t ncap = m->cap * 2 > nbytes ? m->cap * 2 : nbytes;
    if (ncap > m->max_pages * INST_PAGE) ncap = m->max_pages * INST_PAGE;
    if (cap_bytes && ncap > cap_bytes) ncap = nbytes;
    /* New pages of an anonymous mapping read as zero: no memset. */
    if (m->cap > m->size) memset(m->data + m->size, 0, m->cap - m->size);
    void *nd = m->cap ? mremap(m->data, m->cap, ncap, MREMAP_MAYMOVE) : anon_map(ncap);
    if (nd == MAP_FAILED || !nd) {
      ncap = nbytes;
      nd = m->cap ? mremap(m->data, m->cap, ncap, MREMAP_MAYMOVE) : anon_map(ncap);
      if (nd == MAP_FAILED || !nd) return -1;
    }
    m->data = nd;
    m->cap = ncap;
  } else {
    /* Capacity kept from an earlier life of the slot: it must read as zero. */
    memset(m->data + m->size, 0, nbytes - m->size);
  }
  m->size = nbytes;
  return (int64_t)old;
}

void mem_release(rusm_memory *m) {
  if (m->data) munmap(m->data, m->map_len ? m->map_len : m->cap);
  memset(m, 0, sizeof *m);
}

void mem_zero(rusm_memory *m, uint64_t from, uint64_t to) {
  if (to <= from) return;
  /* Large ranges go back to the kernel (they read as zero and cost no RAM). */
  uint64_t a = (from + OS_PAGE - 1) & ~(uint64_t)(OS_PAGE - 1), b = to & ~(uint64_t)(OS_PAGE - 1);
  if (!m->map_len && b > a && b - a >= 16 * OS_PAGE) {
    memset(m->data + from, 0, a - from);
    madvise(m->data + a, b - a, MADV_DONTNEED);
    memset(m->data + b, 0, to - b);
  } else {
    memset(m->data + from, 0, to - from);
  }
}

void mem_shrink(rusm_memory *m, uint64_t bytes) {
  if (m->map_len || bytes >= m->cap) return;
  if (bytes == 0) {
    munmap(m->data, m->cap);
    m->data = NULL;
  } else {
    munmap(m->data + bytes, m->cap - bytes);
  }
  m->cap = bytes;
  if (m->size > bytes) m->size = bytes;
}

bool mem_map_image(rusm_memory *m, int fd, uint64_t bytes, uint64_t max_pages) {
  memset(m, 0, sizeof *m);
  m->max_pages = max_pages > MAX_PAGES ? MAX_PAGES : max_pages;
  void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
  if (p == MAP_FAILED) return false;
  m->data = p;
  m->size = m->cap = m->map_len = bytes;
  return true;
}

uint64_t mem_raise_hw(rusm_memory *m, uint64_t end) {
  uint64_t h = (end + 4095) & ~(uint64_t)4095;
  if (h > m->size) h = m->size;
  if (h > m->hw) m->hw = h;
  return m->hw;
}

void mem_unmap_dirty(rusm_memory *m) {
  uint64_t n = (m->hw + 4095) & ~(uint64_t)4095;
  if (n > m->map_len) n = m->map_len;
  if (n) madvise(m->data, n, MADV_DONTNEED);
  m->hw = 0;
}

rusm_memory *rusm_memory_new(rusm_limits pages) {
  rusm_memory *m = malloc(sizeof *m);
  if (!m) return NULL;
  if (!mem_init(m, pages.min, pages.max)) {
    free(m);
    return NULL;
  }
  return m;
}

void rusm_memory_free(rusm_memory *mem) {
  if (!mem) return;
  mem_release(mem);
  free(mem);
}

uint8_t *rusm_memory_data(rusm_memory *mem, uint64_t *o_size_bytes) {
  if (o_size_bytes) *o_size_bytes = mem->size;
  mem->hw = mem->size; /* the embedder may write anywhere */
  return mem->data;
}
