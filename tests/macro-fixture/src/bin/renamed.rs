//! `#[rt::main]` and `#[rt::test]` with weave renamed to `rt`.

#[rt::main(crate = "rt", worker_threads = 2)]
async fn main() {
    let answer = rt::spawn(async { 6 * 7 }).await.unwrap();
    println!("{answer} from a renamed weave");
}

#[cfg(test)]
mod tests {
    #[rt::test(crate = "rt")]
    async fn runs_on_the_renamed_crate() {
        assert_eq!(rt::spawn(async { 1 }).await.unwrap(), 1);
    }

    #[rt::test(crate = "rt", shuffle = 3, start_paused = true)]
    async fn shuffles_on_the_renamed_crate() -> Result<(), rt::TimeoutError> {
        let start = rt::now();
        rt::wait_for(rt::sleep(std::time::Duration::from_secs(5)), std::time::Duration::from_secs(9)).await?;
        assert_eq!(rt::now() - start, std::time::Duration::from_secs(5));
        Ok(())
    }
}
