//! `saveProduct` (PUT /admin/products/{id}): a product created, or replaced whole (name,
//! description, category, images, status, fulfilment, order, specs and SKUs with their prices),
//! in the seed file's shape. An existing SKU keeps its stock (adjust it with `adjustStock`); a
//! new one starts with the stock given.

use crate::catalog::desk::CatalogDesk;
use crate::domain::catalog::Product;
use crate::domain::operators::Catalog;
use crate::runtime::http::endpoint;
use crate::runtime::staff::Staff;

endpoint! {
    /// `PUT /admin/products/{id}`.
    SaveProduct: PUT "save-product", Staff<Catalog>, CatalogDesk;
    fn(desk, _ctx, input: Product) -> Product {
        desk.save(input).await
    }
}
