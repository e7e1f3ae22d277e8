"""What every route uses: the services of the process, authentication, problem details."""
