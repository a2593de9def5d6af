/* matmul.c: 200x200 f64 matrix multiply, 10 rounds; f64 loads, mul/add and
** nested loops. Prints a checksum of the result. */
#include <stdio.h>
#include <stdlib.h>

#define N 200

static double a[N][N], b[N][N], c[N][N];

int main(int argc, char **argv) {
  int rounds = argc > 1 ? atoi(argv[1]) : 10;
  for (int i = 0; i < N; i++)
    for (int j = 0; j < N; j++) {
      a[i][j] = (double)(i * N + j) / (N * N);
      b[i][j] = (double)(j * N + i) / (N * N) - 0.5;
    }
  for (int r = 0; r < rounds; r++) {
    for (int i = 0; i < N; i++)
      for (int j = 0; j < N; j++) {
        double s = 0;
        for (int k = 0; k < N; k++) s += a[i][k] * b[k][j];
        c[i][j] = s;
      }
    a[r % N][r % N] += c[N - 1 - r % N][r % N] * 1e-6; /* keep rounds dependent */
  }
  double sum = 0;
  for (int i = 0; i < N; i++)
    for (int j = 0; j < N; j++) sum += c[i][j] * (double)((i + j) % 7);
  printf("matmul checksum: %.6f\n", sum);
  return 0;
}
